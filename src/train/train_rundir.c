/* train_rundir: the run directory, the record of a run (layout in train_rundir.h).
 *
 * metrics.csv and metrics.jsonl hold only what the trainer computed, printed in their shortest exact form and no
 * clock times, so the same run twice gives byte-identical files; times go to events.log and
 * summary.json. Every line is flushed as it is written, so a crash loses nothing already logged.
 * A write error never stops the run: the first one is remembered and reported at close. */
#include "distillery/train_rundir.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define SLUG_MAX 48

enum { F_CSV, F_JSONL, F_LOG, NFILES };

/* The files that mark a directory as holding a run; an explicit run_dir must have none. */
static const char *const RUN_FILES[] = {"metrics.csv", "metrics.jsonl", "events.log",
                                        "summary.json", "config.json"};
#define NRUN_FILES (sizeof RUN_FILES / sizeof RUN_FILES[0])

struct train_rundir {
    char path[TRAIN_PATH];
    FILE *f[NFILES];
    char werr[TRAIN_PATH + 256]; /* the first write error of the run; "" while none */
};

static const char *const FILE_NAMES[NFILES] = {"metrics.csv", "metrics.jsonl", "events.log"};

/* a metrics row belongs to the phase its model trains in */
static const char *row_phase(train_model m)
{
    return m == TRAIN_TEACHER ? "teacher" : "distil";
}

/* --- Writing with error tracking --------------------------------------------------------- */

static void note_error(train_rundir *rd, const char *name, const char *what, int errnum)
{
    if (rd->werr[0]) return;
    snprintf(rd->werr, sizeof rd->werr, "%s/%s: %s: %s", rd->path, name, what,
             strerror(errnum ? errnum : EIO));
}

/* Ends a line: flush it, and remember the file's first error (a failed fprintf sets ferror). */
static void end_line(train_rundir *rd, int i)
{
    FILE *f = rd->f[i];
    errno = 0;
    if (fflush(f) != 0 || ferror(f)) note_error(rd, FILE_NAMES[i], "write failed", errno);
}

/* A number in a CSV cell; non-finite values as nan/inf/-inf (never "-nan"), which csv readers
 * accept. */
static void csv_num(FILE *f, double x)
{
    char buf[64];
    if (isnan(x))
        fputs("nan", f);
    else if (isinf(x))
        fputs(x < 0 ? "-inf" : "inf", f);
    else {
        train_format_number(buf, sizeof buf, x);
        fputs(buf, f);
    }
}

/* A JSON number; JSON has no NaN or Infinity, so those become null. */
static void json_num(FILE *f, double x)
{
    char buf[64];
    if (!isfinite(x)) {
        fputs("null", f);
        return;
    }
    train_format_number(buf, sizeof buf, x);
    fputs(buf, f);
}

static void json_key_num(FILE *f, const char *key, double x)
{
    fprintf(f, ",\"%s\":", key);
    json_num(f, x);
}

static void json_class_acc(FILE *f, const train_eval *e)
{
    int n = e->nclasses < 0 ? 0 : e->nclasses > DATA_MAX_CLASSES ? DATA_MAX_CLASSES : e->nclasses;
    fputc('[', f);
    for (int c = 0; c < n; c++) {
        if (c) fputc(',', f);
        json_num(f, e->class_acc[c]);
    }
    fputc(']', f);
}

static void timestamp(char *buf, size_t len, const char *fmt)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || !strftime(buf, len, fmt, &tm)) snprintf(buf, len, "?");
}

/* One events.log line: "YYYY-mm-dd HH:MM:SS who: [prefix]text", who being "phase" for a phase
 * change, the current phase for info and errors, "note" or "run". Control characters are
 * escaped so that one event is always one line. */
static void log_line(train_rundir *rd, const char *who, const char *prefix, const char *text)
{
    FILE *f = rd->f[F_LOG];
    char when[32];
    timestamp(when, sizeof when, "%Y-%m-%d %H:%M:%S");
    fprintf(f, "%s %s: %s", when, who, prefix);
    for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
        if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('\n', f);
    end_line(rd, F_LOG);
}

/* --- The sink ----------------------------------------------------------------------------- */

/* one CSV cell after a comma; empty when the value is not this row's */
static void csv_cell(FILE *f, bool present, double x)
{
    fputc(',', f);
    if (present) csv_num(f, x);
}

static void write_step(train_rundir *rd, const train_metrics *m)
{
    /* the teacher and the baseline learn from hard labels only: T, alpha, kl and t2kl are not
     * theirs, so those cells stay empty rather than show numbers that mean nothing */
    bool st = m->model == TRAIN_STUDENT;
    FILE *c = rd->f[F_CSV], *j = rd->f[F_JSONL];

    fprintf(c, "step,%s,%s,%d,%ld", row_phase(m->model), train_model_name(m->model), m->epoch, m->step);
    csv_cell(c, st, m->T);
    csv_cell(c, st, m->alpha);
    csv_cell(c, true, m->lr);
    csv_cell(c, true, m->ce);
    csv_cell(c, st, m->kl);
    csv_cell(c, st, m->t2kl);
    csv_cell(c, true, m->total);
    csv_cell(c, false, 0);
    fputc('\n', c);
    end_line(rd, F_CSV);

    fprintf(j, "{\"kind\":\"step\",\"phase\":\"%s\",\"model\":\"%s\",\"epoch\":%d,\"step\":%ld",
            row_phase(m->model), train_model_name(m->model), m->epoch, m->step);
    if (st) {
        json_key_num(j, "T", m->T);
        json_key_num(j, "alpha", m->alpha);
    }
    json_key_num(j, "lr", m->lr);
    json_key_num(j, "ce", m->ce);
    if (st) {
        json_key_num(j, "kl", m->kl);
        json_key_num(j, "t2kl", m->t2kl);
    }
    json_key_num(j, "loss", m->total);
    fputs("}\n", j);
    end_line(rd, F_JSONL);
}

static void write_eval(train_rundir *rd, const train_eval *e)
{
    FILE *c = rd->f[F_CSV], *j = rd->f[F_JSONL];

    fprintf(c, "eval,%s,%s,%d,%ld", row_phase(e->model), train_model_name(e->model), e->epoch, e->step);
    for (int k = 0; k < 6; k++)
        csv_cell(c, false, 0); /* T, alpha, lr, ce, kl, t2kl */
    csv_cell(c, true, e->loss);
    csv_cell(c, true, e->acc);
    fputc('\n', c);
    end_line(rd, F_CSV);

    fprintf(j,
            "{\"kind\":\"eval\",\"phase\":\"%s\",\"model\":\"%s\",\"epoch\":%d,\"step\":%ld,"
            "\"n\":%d",
            row_phase(e->model), train_model_name(e->model), e->epoch, e->step, e->n);
    json_key_num(j, "acc", e->acc);
    json_key_num(j, "loss", e->loss);
    fputs(",\"class_acc\":", j);
    json_class_acc(j, e);
    fputs("}\n", j);
    end_line(rd, F_JSONL);
}

void train_rundir_sink(void *ud, const train_event *ev)
{
    train_rundir *rd = ud;
    if (!rd || !ev) return;
    switch (ev->kind) {
    case TRAIN_EV_STEP:
        if (ev->metrics) write_step(rd, ev->metrics);
        break;
    case TRAIN_EV_EVAL:
        if (ev->eval) write_eval(rd, ev->eval);
        break;
    case TRAIN_EV_PHASE: /* "... phase: distil" */
        log_line(rd, "phase", "", ev->text ? ev->text : train_phase_name(ev->phase));
        break;
    case TRAIN_EV_INFO: /* "... cache: teacher reused from the cache: ..." */
        log_line(rd, train_phase_name(ev->phase), "", ev->text);
        break;
    case TRAIN_EV_ERROR:
        log_line(rd, train_phase_name(ev->phase), "error: ", ev->text);
        break;
    }
}

void train_rundir_note(train_rundir *rd, const char *text)
{
    if (rd) log_line(rd, "note", "", text);
}

const char *train_rundir_path(const train_rundir *rd)
{
    return rd ? rd->path : "";
}

/* --- Opening ------------------------------------------------------------------------------ */

/* c->name as a folder name: lowercase letters and digits, anything else collapsed to one '-' */
static void make_slug(const char *name, char *out)
{
    size_t o = 0;
    bool dash = false;
    for (const unsigned char *p = (const unsigned char *)name; *p && o < SLUG_MAX; p++) {
        unsigned char ch = *p;
        if (ch >= 'A' && ch <= 'Z') ch = (unsigned char)(ch - 'A' + 'a');
        if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) {
            if (dash && o > 0) {
                if (o + 2 > SLUG_MAX) break; /* never end on a dash */
                out[o++] = '-';
            }
            out[o++] = (char)ch;
            dash = false;
        } else
            dash = true;
    }
    out[o] = '\0';
    if (o == 0) strcpy(out, "run");
}

int train_make_dirs(const char *path, char *err, size_t errlen)
{
    char buf[TRAIN_PATH];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(err, errlen, "%.64s...: path too long", path);
        return -1;
    }
    size_t n = strlen(buf);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        if (buf[i - 1] == '/') continue; /* "a//b" */
        char save = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0) {
            int e = errno;
            struct stat st;
            if (e != EEXIST) {
                snprintf(err, errlen, "%s: cannot create: %s", buf, strerror(e));
                return -1;
            }
            if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) {
                snprintf(err, errlen, "%s: cannot create: exists and is not a directory", buf);
                return -1;
            }
        }
        buf[i] = save;
    }
    return 0;
}

static int join(char *out, size_t len, const char *dir, const char *name)
{
    return snprintf(out, len, "%s/%s", dir, name) < (int)len ? 0 : -1;
}

/* run_root/SLUG-YYYYmmdd-HHMMSS, or with -2, -3... when a run of the same name started within
 * the same second; mkdir itself decides, so two processes never share a folder */
static int make_auto_dir(const train_config *c, char *path, size_t len, char *err, size_t errlen)
{
    const char *root = c->run_root[0] ? c->run_root : "runs";
    if (train_make_dirs(root, err, errlen)) return -1;
    char slug[SLUG_MAX + 1], when[32];
    make_slug(c->name, slug);
    timestamp(when, sizeof when, "%Y%m%d-%H%M%S");
    for (int k = 1; k <= 1000; k++) {
        int n = k == 1 ? snprintf(path, len, "%s/%s-%s", root, slug, when)
                       : snprintf(path, len, "%s/%s-%s-%d", root, slug, when, k);
        if (n >= (int)len) {
            snprintf(err, errlen, "%s: run directory path too long", root);
            return -1;
        }
        if (mkdir(path, 0777) == 0) return 0;
        if (errno != EEXIST) {
            snprintf(err, errlen, "%s: cannot create: %s", path, strerror(errno));
            return -1;
        }
    }
    snprintf(err, errlen, "%s: cannot create: too many runs named %s-%s", root, slug, when);
    return -1;
}

/* an explicit run_dir: created if missing, refused if it already holds a run */
static int make_given_dir(const train_config *c, char *path, size_t len, char *err, size_t errlen)
{
    if (snprintf(path, len, "%s", c->run_dir) >= (int)len) {
        snprintf(err, errlen, "%.64s...: path too long", c->run_dir);
        return -1;
    }
    for (size_t n = strlen(path); n > 1 && path[n - 1] == '/'; n--)
        path[n - 1] = '\0'; /* "out/run/" names files "out/run/x", not "out/run//x" */
    if (train_make_dirs(path, err, errlen)) return -1;
    for (size_t i = 0; i < NRUN_FILES; i++) {
        char file[TRAIN_PATH + 32];
        struct stat st;
        if (join(file, sizeof file, path, RUN_FILES[i]) == 0 && stat(file, &st) == 0) {
            snprintf(err, errlen,
                     "%s: already holds a run (%s exists); choose another run directory or "
                     "remove the old one",
                     path, RUN_FILES[i]);
            return -1;
        }
    }
    return 0;
}

/* "wx": a run file that appeared since the check is still never overwritten */
static FILE *create_file(const char *dir, const char *name, char *err, size_t errlen)
{
    char file[TRAIN_PATH + 32];
    if (join(file, sizeof file, dir, name)) {
        snprintf(err, errlen, "%s/%s: path too long", dir, name);
        return NULL;
    }
    FILE *f = fopen(file, "wx");
    if (!f) snprintf(err, errlen, "%s: cannot create: %s", file, strerror(errno));
    return f;
}

/* a file this open created, removed again when the open fails */
static void remove_file(const char *dir, const char *name)
{
    char file[TRAIN_PATH + 32];
    if (join(file, sizeof file, dir, name) == 0) remove(file);
}

/* Flush and close f; non-zero, with the errno in *e, if anything written to it was lost. */
static int close_checked(FILE *f, int *e)
{
    errno = 0;
    int bad = fflush(f) != 0 || ferror(f);
    *e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        *e = errno;
    }
    return bad;
}

static int write_config(const char *dir, const train_config *c, char *err, size_t errlen)
{
    FILE *f = create_file(dir, "config.json", err, errlen);
    if (!f) return -1;
    train_config_write_json(c, f);
    int e = 0, bad = close_checked(f, &e);
    if (bad) {
        snprintf(err, errlen, "%s/config.json: write failed: %s", dir, strerror(e ? e : EIO));
        remove_file(dir, "config.json");
        return -1;
    }
    return 0;
}

train_rundir *train_rundir_open(const train_config *c, char *err, size_t errlen)
{
    train_rundir *rd = calloc(1, sizeof *rd);
    if (!rd) {
        snprintf(err, errlen, "out of memory for the run directory");
        return NULL;
    }
    int made = c->run_dir[0] ? make_given_dir(c, rd->path, sizeof rd->path, err, errlen)
                             : make_auto_dir(c, rd->path, sizeof rd->path, err, errlen);
    if (made) {
        free(rd);
        return NULL;
    }
    bool config_written = false;
    if (write_config(rd->path, c, err, errlen)) goto fail;
    config_written = true;
    for (int i = 0; i < NFILES; i++)
        if (!(rd->f[i] = create_file(rd->path, FILE_NAMES[i], err, errlen))) goto fail;

    fputs("kind,phase,model,epoch,step,T,alpha,lr,ce,kl,t2kl,loss,acc\n", rd->f[F_CSV]);
    end_line(rd, F_CSV);
    log_line(rd, "run", "", c->name);
    if (rd->werr[0]) {
        snprintf(err, errlen, "%s", rd->werr);
        goto fail;
    }
    return rd;

fail:
    /* leave nothing behind, so the same run_dir can be tried again; only what this open
     * created is removed */
    for (int i = 0; i < NFILES; i++)
        if (rd->f[i]) {
            fclose(rd->f[i]);
            remove_file(rd->path, FILE_NAMES[i]);
        }
    if (config_written) remove_file(rd->path, "config.json");
    if (!c->run_dir[0]) rmdir(rd->path);
    free(rd);
    return NULL;
}

/* --- Closing ------------------------------------------------------------------------------ */

static void write_model_summary(FILE *f, const train_state *s, train_model m)
{
    const train_eval *e = &s->eval[m], *b = &s->best[m];
    fprintf(f, ",\n  \"%s\": {\"epoch\": %d, \"step\": %ld, \"n\": %d, \"acc\": ", train_model_name(m),
            e->epoch, e->step, e->n);
    json_num(f, e->acc);
    fputs(", \"loss\": ", f);
    json_num(f, e->loss);
    fputs(", \"best_acc\": ", f);
    json_num(f, b->acc);
    fprintf(f, ", \"best_epoch\": %d,\n    \"class_acc\": ", b->epoch);
    json_class_acc(f, e);
    fputc('}', f);
}

static void write_summary_json(FILE *f, const train_state *s, const char *status, double seconds)
{
    char when[32];
    timestamp(when, sizeof when, "%Y-%m-%d %H:%M:%S");
    fputs("{\n  \"status\": ", f);
    train_json_string(f, status ? status : "unknown");
    fputs(",\n  \"seconds\": ", f);
    json_num(f, seconds);
    fprintf(f, ",\n  \"finished\": \"%s\"", when);
    if (s) {
        fprintf(f, ",\n  \"phase\": \"%s\"", train_phase_name(s->phase));
        fprintf(f, ",\n  \"transfer_n\": %d,\n  \"transfer_labeled\": %d", s->transfer_n,
                s->transfer_labeled);
        fprintf(f, ",\n  \"teacher_cached\": %s", s->teacher_cached ? "true" : "false");
        fputs(",\n  \"T\": ", f);
        json_num(f, s->T);
        fputs(",\n  \"alpha\": ", f);
        json_num(f, s->alpha);
        fputs(",\n  \"lr\": ", f);
        json_num(f, s->lr);
        for (int m = 0; m < TRAIN_NMODELS; m++)
            if (s->eval[m].n > 0) write_model_summary(f, s, (train_model)m);
        if (s->eval[TRAIN_STUDENT].n > 0 && s->eval[TRAIN_BASELINE].n > 0) {
            fputs(",\n  \"student_minus_baseline\": ", f);
            json_num(f, s->eval[TRAIN_STUDENT].acc - s->eval[TRAIN_BASELINE].acc);
        }
    }
    fputs("\n}\n", f);
}

/* summary.json through a temporary file and rename, so a reader never sees half of it */
static void write_summary(train_rundir *rd, const train_state *s, const char *status,
                          double seconds)
{
    char tmp[TRAIN_PATH + 64], file[TRAIN_PATH + 32];
    if (snprintf(tmp, sizeof tmp, "%s/summary.json.tmp.%ld", rd->path, (long)getpid()) >=
            (int)sizeof tmp ||
        join(file, sizeof file, rd->path, "summary.json")) {
        note_error(rd, "summary.json", "cannot create", ENAMETOOLONG);
        return;
    }
    FILE *f = fopen(tmp, "w");
    if (!f) {
        note_error(rd, "summary.json", "cannot create", errno);
        return;
    }
    write_summary_json(f, s, status, seconds);
    int e = 0, bad = close_checked(f, &e);
    if (!bad && rename(tmp, file) != 0) {
        note_error(rd, "summary.json", "cannot rename into place", errno);
        remove(tmp);
        return;
    }
    if (bad) {
        note_error(rd, "summary.json", "write failed", e);
        remove(tmp);
    }
}

int train_rundir_close(train_rundir *rd, const train_state *final, const char *status,
                       double seconds, char *err, size_t errlen)
{
    if (!rd) return 0;
    log_line(rd, "run", "finished: ", status ? status : "unknown");
    write_summary(rd, final, status, seconds);
    for (int i = 0; i < NFILES; i++) {
        errno = 0;
        if (fclose(rd->f[i]) != 0) note_error(rd, FILE_NAMES[i], "close failed", errno);
    }
    int rc = 0;
    if (rd->werr[0]) {
        snprintf(err, errlen, "%s", rd->werr);
        rc = -1;
    }
    free(rd);
    return rc;
}
