/* test_rundir: the run directory is named as documented, records a synthetic run in files that
 * parse (every JSON line is checked by a small validator, non-finite numbers become null), gives
 * byte-identical metrics for the same run twice, never clobbers an earlier run, and reports
 * failures (an uncreatable folder, a write error mid-run) instead of hiding them. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "distillery/train_rundir.h"
#include "tap.h"

static char root[256];

/* --- helpers ------------------------------------------------------------------------------ */

/* the whole file as a string, or NULL */
static char *slurp(const char *dir, const char *name)
{
    char path[1400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t n = 0, cap = 1024;
    char *buf = malloc(cap);
    size_t k;
    while (buf && (k = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += k;
        if (cap - n - 1 == 0) {
            char *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = b;
            cap *= 2;
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    return buf;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        if (*s == '\n') n++;
    return n;
}

static bool file_exists(const char *dir, const char *name)
{
    char path[1400];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return stat(path, &st) == 0;
}

/* rm -r of a run directory this test made (only plain files inside) */
static void remove_run(const char *dir)
{
    static const char *const names[] = {"config.json", "metrics.csv", "metrics.jsonl", "events.log",
                                        "summary.json"};
    char path[1400];
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        remove(path);
    }
    if (rmdir(dir) != 0) tap_diag("cannot remove %s: %s", dir, strerror(errno));
}

/* --- a small JSON validator (RFC 8259 grammar; no NaN, no Infinity) ------------------------- */

static const char *json_value(const char *p, int depth);

static const char *json_ws(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    return p;
}

static const char *json_string(const char *p)
{
    if (*p++ != '"') return NULL;
    for (; *p != '"'; p++) {
        if ((unsigned char)*p < 0x20) return NULL; /* raw control characters, the end included */
        if (*p == '\\') {
            p++;
            if (*p == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!isxdigit((unsigned char)p[i])) return NULL;
                p += 4;
            } else if (!strchr("\"\\/bfnrt", *p) || !*p)
                return NULL;
        }
    }
    return p + 1;
}

static const char *json_number(const char *p)
{
    if (*p == '-') p++;
    if (*p == '0')
        p++;
    else if (*p >= '1' && *p <= '9')
        while (isdigit((unsigned char)*p))
            p++;
    else
        return NULL;
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return NULL;
        while (isdigit((unsigned char)*p))
            p++;
    }
    return p;
}

static const char *json_list(const char *p, char close, bool object, int depth)
{
    p = json_ws(p + 1);
    if (*p == close) return p + 1;
    for (;;) {
        if (object) {
            if (!(p = json_string(p))) return NULL;
            p = json_ws(p);
            if (*p++ != ':') return NULL;
        }
        if (!(p = json_value(p, depth + 1))) return NULL;
        if (*p == close) return p + 1;
        if (*p++ != ',') return NULL;
        p = json_ws(p);
    }
}

/* p at a value (after optional space); returns the first byte after it and its trailing space */
static const char *json_value(const char *p, int depth)
{
    if (depth > 64) return NULL;
    p = json_ws(p);
    if (*p == '{')
        p = json_list(p, '}', true, depth);
    else if (*p == '[')
        p = json_list(p, ']', false, depth);
    else if (*p == '"')
        p = json_string(p);
    else if (!strncmp(p, "true", 4))
        p += 4;
    else if (!strncmp(p, "false", 5))
        p += 5;
    else if (!strncmp(p, "null", 4))
        p += 4;
    else
        p = json_number(p);
    return p ? json_ws(p) : NULL;
}

/* s is exactly one JSON object (surrounding space allowed) */
static bool json_object_ok(const char *s)
{
    const char *p = json_ws(s);
    if (*p != '{') return false;
    p = json_value(p, 0);
    return p && *p == '\0';
}

/* every line of s is one JSON object */
static bool jsonl_ok(const char *s, int *nlines)
{
    *nlines = 0;
    while (s && *s) {
        const char *nl = strchr(s, '\n');
        if (!nl) return false; /* every line ends with a newline */
        char *line = strndup(s, (size_t)(nl - s));
        bool ok = line && json_object_ok(line);
        if (!ok) tap_diag("bad JSON line: %s", line ? line : "(oom)");
        free(line);
        if (!ok) return false;
        ++*nlines;
        s = nl + 1;
    }
    return true;
}

static void test_validator(void)
{
    tap_ok(json_object_ok("{\"a\":[1,-2.5e+3,null,true,\"x\\\"y\"],\"b\":{}}"),
           "validator accepts good JSON");
    tap_ok(!json_object_ok("{\"a\":nan}") && !json_object_ok("{\"a\":1,}") &&
               !json_object_ok("{\"a\":\"x\ny\"}") && !json_object_ok("{\"a\":01}") &&
               !json_object_ok("{\"a\":1") && !json_object_ok("{\"a\":1}}") &&
               !json_object_ok("{\"a\":1.}") && !json_object_ok("[1]"),
           "validator rejects bad JSON");
}

/* --- a synthetic run ---------------------------------------------------------------------- */

#define NSTEP_ROWS  9 /* teacher 3, student 4, baseline 2 */
#define NEVAL_ROWS  5 /* teacher 1, student 2, baseline 2 */
#define NLOG_EVENTS 6 /* PHASE x3, INFO, ERROR, and the note */

static train_eval make_eval(train_model m, int epoch, double acc)
{
    train_eval e;
    memset(&e, 0, sizeof e);
    e.model = m;
    e.epoch = epoch;
    e.step = 10L * epoch;
    e.n = 100;
    e.acc = acc;
    e.loss = 1.0 - acc;
    e.nclasses = 3;
    e.class_acc[0] = acc;
    e.class_acc[1] = acc / 2;
    e.class_acc[2] = m == TRAIN_BASELINE ? NAN : 1.0;
    return e;
}

static void emit(train_rundir *rd, train_event_kind k, train_phase ph, const char *text,
                 const train_metrics *m, const train_eval *e)
{
    train_event ev = {k, ph, text, m, e};
    train_rundir_sink(rd, &ev);
}

/* Feeds a run's events and returns its final state in *s. */
static void feed(train_rundir *rd, train_state *s)
{
    memset(s, 0, sizeof *s);
    emit(rd, TRAIN_EV_PHASE, TRAIN_PHASE_TEACHER, "teacher: training 4-8-3", NULL, NULL);
    for (int i = 1; i <= 3; i++) {
        train_metrics m = {TRAIN_TEACHER, 1, i, 0, 0, 1e-3f, 1.5 / i, 0, 0, 1.5 / i};
        emit(rd, TRAIN_EV_STEP, TRAIN_PHASE_TEACHER, NULL, &m, NULL);
    }
    train_eval te = make_eval(TRAIN_TEACHER, 1, 0.9);
    emit(rd, TRAIN_EV_EVAL, TRAIN_PHASE_TEACHER, NULL, NULL, &te);
    emit(rd, TRAIN_EV_PHASE, TRAIN_PHASE_CACHE, "caching teacher logits", NULL, NULL);
    emit(rd, TRAIN_EV_INFO, TRAIN_PHASE_CACHE, "cache hit: teacher from /tmp/x.ckpt", NULL, NULL);
    emit(rd, TRAIN_EV_PHASE, TRAIN_PHASE_DISTIL, "distil", NULL, NULL);
    train_eval se[2], be[2];
    for (int epoch = 1; epoch <= 2; epoch++) {
        for (int i = 1; i <= 2; i++) {
            long step = (epoch - 1) * 2 + i;
            /* the first student row carries NaN and Inf, which JSON must show as null */
            train_metrics sm = {TRAIN_STUDENT,
                                epoch,
                                step,
                                4.0f,
                                0.7f,
                                1e-3f,
                                step == 1 ? NAN : 0.5,
                                step == 1 ? INFINITY : 0.25,
                                4.0,
                                step == 1 ? -INFINITY : 0.3};
            train_metrics bm = {TRAIN_BASELINE, epoch, step, 0, 0, 1e-3f, 0.6, 0, 0, 0.6};
            emit(rd, TRAIN_EV_STEP, TRAIN_PHASE_DISTIL, NULL, &sm, NULL);
            if (i == 2) emit(rd, TRAIN_EV_STEP, TRAIN_PHASE_DISTIL, NULL, &bm, NULL);
        }
        se[epoch - 1] = make_eval(TRAIN_STUDENT, epoch, 0.80 - 0.01 * epoch);
        be[epoch - 1] = make_eval(TRAIN_BASELINE, epoch, 0.70 + 0.01 * epoch);
        emit(rd, TRAIN_EV_EVAL, TRAIN_PHASE_DISTIL, NULL, NULL, &se[epoch - 1]);
        emit(rd, TRAIN_EV_EVAL, TRAIN_PHASE_DISTIL, NULL, NULL, &be[epoch - 1]);
    }
    train_rundir_note(rd, "T set to 3 by key");
    emit(rd, TRAIN_EV_ERROR, TRAIN_PHASE_DISTIL, "loss is \"nan\"\nat step 5", NULL, NULL);

    s->phase = TRAIN_PHASE_DONE;
    s->T = 4.0f;
    s->alpha = 0.7f;
    s->lr = 1e-3f;
    s->transfer_n = 600;
    s->transfer_labeled = 600;
    s->teacher_cached = true;
    s->eval[TRAIN_TEACHER] = s->best[TRAIN_TEACHER] = te;
    s->eval[TRAIN_STUDENT] = se[1];
    s->best[TRAIN_STUDENT] = se[0];
    s->eval[TRAIN_BASELINE] = s->best[TRAIN_BASELINE] = be[1];
}

static train_config config_in(const char *name, const char *run_dir)
{
    train_config c = train_config_defaults();
    snprintf(c.name, sizeof c.name, "%s", name);
    snprintf(c.run_root, sizeof c.run_root, "%s/runs", root);
    if (run_dir) snprintf(c.run_dir, sizeof c.run_dir, "%s", run_dir);
    return c;
}

/* dir's last component is slug-YYYYmmdd-HHMMSS, with -N after it when suffix */
static bool named_like(const char *dir, const char *slug, bool suffix)
{
    const char *base = strrchr(dir, '/');
    base = base ? base + 1 : dir;
    size_t n = strlen(slug);
    if (strncmp(base, slug, n) != 0 || base[n] != '-') return false;
    const char *p = base + n + 1;
    for (int i = 0; i < 15; i++)
        if (i == 8 ? p[i] != '-' : !isdigit((unsigned char)p[i])) return false;
    p += 15;
    if (!suffix) return *p == '\0';
    if (*p++ != '-' || !isdigit((unsigned char)*p)) return false;
    while (isdigit((unsigned char)*p))
        p++;
    return *p == '\0';
}

/* --- the tests ---------------------------------------------------------------------------- */

static void test_full_run(void)
{
    char err[1200] = "";
    train_config c = config_in("Fashion: 2x1200 -> 784-32-10  Student!!", NULL);
    train_rundir *rd = train_rundir_open(&c, err, sizeof err);
    if (!tap_ok(rd != NULL, "open a run directory under a new root")) {
        tap_diag("%s", err);
        return;
    }
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", train_rundir_path(rd));
    tap_ok(named_like(dir, "fashion-2x1200-784-32-10-student", false),
           "named SLUG-YYYYmmdd-HHMMSS (%s)", strrchr(dir, '/') + 1);
    char want_prefix[600];
    snprintf(want_prefix, sizeof want_prefix, "%s/runs/", root);
    tap_ok(strncmp(dir, want_prefix, strlen(want_prefix)) == 0, "made under run_root");

    train_state s;
    feed(rd, &s);
    /* lines are flushed as they come: readable before close */
    char *early = slurp(dir, "metrics.csv");
    tap_ok(count_lines(early) == 1 + NSTEP_ROWS + NEVAL_ROWS, "metrics.csv is flushed per line");
    free(early);
    int rc = train_rundir_close(rd, &s, "done", 12.5, err, sizeof err);
    if (!tap_ok(rc == 0, "close returns 0")) tap_diag("%s", err);

    char *cfg = slurp(dir, "config.json");
    tap_ok(cfg && strstr(cfg, "\"T\"") && json_object_ok(cfg), "config.json is JSON with \"T\"");
    free(cfg);

    char *csv = slurp(dir, "metrics.csv");
    const char *header = "kind,phase,model,epoch,step,T,alpha,lr,ce,kl,t2kl,loss,acc\n";
    tap_ok(csv && strncmp(csv, header, strlen(header)) == 0, "metrics.csv header is exact");
    tap_ok(count_lines(csv) == 1 + NSTEP_ROWS + NEVAL_ROWS, "metrics.csv has %d rows",
           NSTEP_ROWS + NEVAL_ROWS);
    bool thirteen = csv != NULL;
    for (const char *p = csv; p && *p;) {
        int commas = 0;
        for (; *p && *p != '\n'; p++)
            commas += *p == ',';
        thirteen = thirteen && commas == 12;
        if (*p) p++;
    }
    tap_ok(thirteen, "every csv row has 13 cells");
    tap_ok(csv && strstr(csv, "\nstep,teacher,teacher,1,1,,,0.001,1.5,,,1.5,\n"),
           "a teacher step row: T, alpha, kl, t2kl and acc empty");
    tap_ok(csv && strstr(csv, "\nstep,distil,student,1,1,4,0.7,0.001,nan,inf,4,"
                              "-inf,\n"),
           "a student step row, non-finite as nan/inf");
    tap_ok(csv && strstr(csv, "\nstep,distil,baseline,1,2,,,0.001,0.6,,,0.6,\n"),
           "a baseline step row in the distil phase");
    tap_ok(csv && strstr(csv, "\neval,teacher,teacher,1,10,,,,,,,0.1,0.9\n"),
           "an eval row: loss and acc only");
    free(csv);

    char *jl = slurp(dir, "metrics.jsonl");
    int n = 0;
    bool lines_ok = jl && jsonl_ok(jl, &n);
    tap_ok(lines_ok && n == NSTEP_ROWS + NEVAL_ROWS,
           "metrics.jsonl: %d lines, each one JSON object", n);
    tap_ok(jl && strstr(jl, "\"ce\":null,\"kl\":null") && strstr(jl, "\"loss\":null"),
           "non-finite numbers become null");
    tap_ok(jl &&
               strstr(jl, "{\"kind\":\"step\",\"phase\":\"teacher\",\"model\":\"teacher\","
                          "\"epoch\":1,\"step\":2,\"lr\":0.001,\"ce\":0.75,\"loss\":0.75}"),
           "a teacher step object has lr, ce and loss only");
    tap_ok(jl && strstr(jl, "\"model\":\"student\",\"epoch\":2,\"step\":4,\"T\":4,\"alpha\":"
                            "0.7,\"lr\":0.001,\"ce\":0.5,\"kl\":0.25,\"t2kl\":4,"
                            "\"loss\":0.3}"),
           "a student step object has T, alpha, kl and t2kl");
    tap_ok(jl && strstr(jl, "\"kind\":\"eval\"") && strstr(jl, "\"class_acc\":[0.9,0.45,1]") &&
               strstr(jl, "\"class_acc\":[0.72,0.36,null]"),
           "eval objects carry class_acc (NaN as null)");
    free(jl);

    char *log = slurp(dir, "events.log");
    int nlog = count_lines(log);
    tap_ok(nlog >= NLOG_EVENTS, "events.log has a line per event (%d)", nlog);
    bool stamped = log != NULL;
    for (const char *p = log; p && *p;) {
        for (int i = 0; i < 19; i++) {
            char want = i == 4 || i == 7 ? '-' : i == 10 ? ' ' : i == 13 || i == 16 ? ':' : 'd';
            stamped = stamped && (want == 'd' ? isdigit((unsigned char)p[i]) : p[i] == want);
        }
        p = strchr(p, '\n');
        p = p ? p + 1 : "";
    }
    tap_ok(stamped, "every events.log line starts with YYYY-mm-dd HH:MM:SS");
    tap_ok(log && strstr(log, " distil: error: loss is \"nan\"\\nat step 5\n"),
           "the error is one line, marked as such, its newline escaped");
    tap_ok(log && strstr(log, " cache: cache hit: teacher from /tmp/x.ckpt\n") &&
               strstr(log, " note: T set to 3 by key\n") &&
               strstr(log, " phase: teacher: training 4-8-3\n"),
           "info, note and phase lines");
    free(log);

    char *sum = slurp(dir, "summary.json");
    tap_ok(sum && json_object_ok(sum), "summary.json is one JSON object");
    tap_ok(sum && strstr(sum, "\"status\": \"done\"") && strstr(sum, "\"seconds\": 12.5") &&
               strstr(sum, "\"phase\": \"done\""),
           "summary has status, seconds and phase");
    tap_ok(sum && strstr(sum, "\"student\": {\"epoch\": 2, \"step\": 20, \"n\": 100, \"acc\": "
                              "0.78, \"loss\": 0.22, \"best_acc\": 0.79, \"best_epoch\": 1"),
           "summary has the student's final and best accuracy");
    tap_ok(sum && strstr(sum, "\"teacher\": {") && strstr(sum, "\"baseline\": {") &&
               strstr(sum, "\"class_acc\": [0.72,0.36,null]"),
           "summary has teacher and baseline with class_acc");
    const char *diff = sum ? strstr(sum, "\"student_minus_baseline\": ") : NULL;
    tap_close(diff ? strtod(diff + 26, NULL) : NAN, 0.78 - 0.72, 1e-9,
              "summary has student_minus_baseline");
    tap_ok(sum && strstr(sum, "\"teacher_cached\": true") && strstr(sum, "\"transfer_n\": 600") &&
               strstr(sum, "\"transfer_labeled\": 600") && strstr(sum, "\"alpha\": 0.7"),
           "summary has the transfer set, teacher_cached, T, alpha and lr");
    free(sum);
    char tmpname[64];
    snprintf(tmpname, sizeof tmpname, "summary.json.tmp.%ld", (long)getpid());
    tap_ok(!file_exists(dir, tmpname), "no temporary summary is left");
    remove_run(dir);
}

static void test_names(void)
{
    static const struct {
        const char *name, *slug;
    } cases[] = {
        {"!!!", "run"},
        {"", "run"},
        {"  --Hello, World--  ", "hello-world"},
        {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbb", /* 47 a's */
         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
        {"abcdefghij abcdefghij abcdefghij abcdefghij abcdefghij",
         "abcdefghij-abcdefghij-abcdefghij-abcdefghij-abcd"},
        {"caf\xc3\xa9 T=4", "caf-t-4"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[1200] = "";
        train_config c = config_in(cases[i].name, NULL);
        train_rundir *rd = train_rundir_open(&c, err, sizeof err);
        char dir[1200] = "";
        if (rd) snprintf(dir, sizeof dir, "%s", train_rundir_path(rd));
        tap_ok(rd && named_like(dir, cases[i].slug, false), "name \"%s\" -> %s", cases[i].name,
               rd ? strrchr(dir, '/') + 1 : err);
        if (rd) {
            train_rundir_close(rd, NULL, "stopped", 0, err, sizeof err);
            char *sum = slurp(dir, "summary.json");
            tap_ok(sum && json_object_ok(sum) && strstr(sum, "\"status\": \"stopped\""),
                   "a summary without a state is still JSON");
            free(sum);
            remove_run(dir);
        }
    }

    /* the same name in the same second: the folders of this second and the next two are taken
     * already, so the new run must take a -2 suffix */
    char taken[3][1200];
    time_t now = time(NULL);
    for (int k = 0; k < 3; k++) {
        time_t t = now + k;
        struct tm tm;
        char when[32];
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y%m%d-%H%M%S", &tm);
        snprintf(taken[k], sizeof taken[k], "%s/runs/same-%s", root, when);
        mkdir(taken[k], 0777);
    }
    char err[1200] = "";
    train_config c = config_in("same", NULL);
    train_rundir *rd = train_rundir_open(&c, err, sizeof err);
    char dir[1200] = "";
    if (rd) snprintf(dir, sizeof dir, "%s", train_rundir_path(rd));
    tap_ok(rd && named_like(dir, "same", true) && strcmp(dir + strlen(dir) - 2, "-2") == 0,
           "a taken name gets a -2 suffix (%s)", rd ? strrchr(dir, '/') + 1 : err);
    if (rd) {
        train_rundir_close(rd, NULL, "done", 0, err, sizeof err);
        remove_run(dir);
    }
    for (int k = 0; k < 3; k++)
        rmdir(taken[k]);
}

/* the same events twice, into two explicit run_dirs */
static void test_deterministic(void)
{
    char dirs[2][1200], err[1200] = "";
    bool opened = true;
    for (int k = 0; k < 2; k++) {
        snprintf(dirs[k], sizeof dirs[k], "%s/explicit/nested/run%d", root, k);
        train_config c = config_in("det", dirs[k]);
        train_rundir *rd = train_rundir_open(&c, err, sizeof err);
        if (!rd) {
            tap_diag("%s", err);
            opened = false;
            continue;
        }
        train_state s;
        feed(rd, &s);
        train_rundir_close(rd, &s, "done", k + 1.0, err, sizeof err);
    }

    /* a trailing slash is dropped from the run directory's path */
    char slashed[1300];
    snprintf(slashed, sizeof slashed, "%s/explicit/slashed/", root);
    train_config sc = config_in("det", slashed);
    train_rundir *srd = train_rundir_open(&sc, err, sizeof err);
    slashed[strlen(slashed) - 1] = '\0';
    tap_ok(srd && strcmp(train_rundir_path(srd), slashed) == 0, "a trailing slash is dropped");
    train_rundir_close(srd, NULL, "done", 0, err, sizeof err);
    remove_run(slashed);
    tap_ok(opened, "explicit run_dirs are created with their parents");
    tap_ok(!strcmp(train_rundir_path(NULL), ""), "the path of NULL is \"\"");
    const char *names[] = {"metrics.csv", "metrics.jsonl"};
    for (int i = 0; i < 2; i++) {
        char *a = slurp(dirs[0], names[i]), *b = slurp(dirs[1], names[i]);
        tap_ok(a && b && strcmp(a, b) == 0, "the same run twice gives byte-identical %s", names[i]);
        free(a);
        free(b);
    }

    /* a run_dir that already holds a run is refused and left as it was */
    char *before = slurp(dirs[0], "metrics.csv");
    train_config c = config_in("det", dirs[0]);
    err[0] = '\0';
    train_rundir *rd = train_rundir_open(&c, err, sizeof err);
    char *after = slurp(dirs[0], "metrics.csv");
    tap_ok(rd == NULL && strstr(err, dirs[0]) && strstr(err, "already holds a run"),
           "an explicit run_dir with a previous run is refused (%s)", err);
    tap_ok(before && after && strcmp(before, after) == 0, "the previous run is untouched");
    free(before);
    free(after);
    train_rundir_close(rd, NULL, "done", 0, err, sizeof err);

    /* only a metrics.csv there is enough to refuse */
    char lone[1200], path[1300];
    snprintf(lone, sizeof lone, "%s/explicit/lone", root);
    mkdir(lone, 0777);
    snprintf(path, sizeof path, "%s/metrics.csv", lone);
    FILE *f = fopen(path, "w");
    if (f) {
        fputs("old\n", f);
        fclose(f);
    }
    c = config_in("det", lone);
    err[0] = '\0';
    rd = train_rundir_open(&c, err, sizeof err);
    tap_ok(rd == NULL && strstr(err, "metrics.csv") && !file_exists(lone, "config.json"),
           "a lone metrics.csv is refused and nothing is written next to it");
    remove(path);
    rmdir(lone);

    for (int k = 0; k < 2; k++)
        remove_run(dirs[k]);
    snprintf(path, sizeof path, "%s/explicit/nested", root);
    rmdir(path);
    snprintf(path, sizeof path, "%s/explicit", root);
    rmdir(path);
}

static void test_failures(void)
{
    /* a root under a plain file can never be created, even by root */
    char file[600], err[1200] = "";
    snprintf(file, sizeof file, "%s/plain", root);
    FILE *f = fopen(file, "w");
    if (f) fclose(f);
    train_config c = config_in("x", NULL);
    snprintf(c.run_root, sizeof c.run_root, "%s/plain/runs", root);
    train_rundir *rd = train_rundir_open(&c, err, sizeof err);
    tap_ok(rd == NULL && strstr(err, "cannot create") && strstr(err, "plain"),
           "an uncreatable root is refused (%s)", err);
    train_rundir_close(rd, NULL, "done", 0, err, sizeof err);
    c = config_in("x", NULL);
    snprintf(c.run_dir, sizeof c.run_dir, "%s/plain/run", root);
    err[0] = '\0';
    rd = train_rundir_open(&c, err, sizeof err);
    tap_ok(rd == NULL && strstr(err, "cannot create"), "an uncreatable run_dir is refused (%s)",
           err);
    remove(file);

    /* NULL is tolerated where it is cheap */
    train_event ev = {TRAIN_EV_INFO, TRAIN_PHASE_TEACHER, "x", NULL, NULL};
    train_rundir_sink(NULL, &ev);
    train_rundir_note(NULL, "x");
    tap_ok(train_rundir_close(NULL, NULL, "done", 0, err, sizeof err) == 0,
           "sink, note and close accept NULL");

    /* a write error mid-run (as with a full disk) is remembered and reported at close */
    c = config_in("full", NULL);
    rd = train_rundir_open(&c, err, sizeof err);
    if (!rd) {
        tap_ok(0, "open for the write-error test (%s)", err);
        return;
    }
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", train_rundir_path(rd));
    struct rlimit saved, lim;
    getrlimit(RLIMIT_FSIZE, &saved);
    lim = saved;
    lim.rlim_cur = 300;
    void (*prev)(int) = signal(SIGXFSZ, SIG_IGN);
    int lowered = setrlimit(RLIMIT_FSIZE, &lim) == 0;
    train_state s;
    feed(rd, &s);
    if (lowered) setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, prev);
    train_rundir_note(rd, "after the error");
    err[0] = '\0';
    int rc = train_rundir_close(rd, &s, "done", 1, err, sizeof err);
    if (lowered)
        tap_ok(rc == -1 && strncmp(err, dir, strlen(dir)) == 0 && strstr(err, "write failed") &&
                   strstr(err, "too large"),
               "close reports the first write error (%s)", err);
    else
        tap_ok(1, "# SKIP cannot lower RLIMIT_FSIZE");
    remove_run(dir);
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/distillery-rundir-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        printf("Bail out! mkdtemp %s: %s\n", root, strerror(errno));
        return 1;
    }
    test_validator();
    test_full_run();
    test_names();
    test_deterministic();
    test_failures();
    char runs[300];
    snprintf(runs, sizeof runs, "%s/runs", root);
    rmdir(runs);
    tap_ok(rmdir(root) == 0, "the tests leave nothing behind in %s", root);
    return tap_done();
}
