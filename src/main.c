/* distillery: the command line. Settings come from the defaults, then the script's fields, then
 * the flags and --set (train_settings' table drives the parsing and --help); the experiment then
 * runs headless (run.c), or a sweep of them. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "distillery/data.h"
#include "distillery/nn_gemm.h"
#include "distillery/train.h"
#include "distillery/train_rundir.h"
#include "distillery/train_settings.h"
#include "run.h"
#include "script/script.h"
#include "tui/tui.h"
#include "tui/tui_lesson.h"

typedef struct cli {
    train_settings s;
    bool headless, help, version, check, run, unsafe;
    const char *script;
    /* settings from flags and --set, applied after the script's own */
    struct given {
        const train_option *op;
        const char *value;
    } given[256];
    int ngiven;
} cli;

/* The flags of the program itself; the experiment's settings are train_settings'. */
typedef struct cli_flag {
    const char *name, *help;
    bool *(*field)(cli *c);
} cli_flag;

static bool *flag_headless(cli *c) { return &c->headless; }
static bool *flag_check(cli *c) { return &c->check; }
static bool *flag_run(cli *c) { return &c->run; }
static bool *flag_unsafe(cli *c) { return &c->unsafe; }
static bool *flag_help(cli *c) { return &c->help; }
static bool *flag_version(cli *c) { return &c->version; }

static const cli_flag cli_flags[] = {
    {"headless", "run without the screen, progress on stderr", flag_headless},
    {"check", "load and validate SCRIPT without training", flag_check},
    {"run", "run SCRIPT for its own output (kd.loss, schedules), without training", flag_run},
    {"unsafe-lua", "lift the script sandbox (trusted scripts only)", flag_unsafe},
    {"help", "show this help and exit", flag_help},
    {"version", "show the version and exit", flag_version},
};
#define NFLAGS (sizeof cli_flags / sizeof cli_flags[0])

static void usage(FILE *f)
{
    fprintf(f, "usage: distillery [--headless] [OPTION...] [SCRIPT.lua]\n\n"
               "Train a teacher network and distil it into a smaller student:\n"
               "  L = (1 - alpha) * CE + alpha * T^2 * KL(teacher@T || student@T)\n"
               "SCRIPT.lua returns kd.experiment{...} or kd.sweep{...} (see SCRIPTING.md);\n"
               "options given here override the script's fields.\n\n"
               "Options (default in brackets; --opt VALUE and --opt=VALUE both work):\n");
    for (size_t i = 0; i < NFLAGS; i++) {
        char left[64];
        snprintf(left, sizeof left, "--%s", cli_flags[i].name);
        fprintf(f, "  %-26s %s\n", left, cli_flags[i].help);
    }
    fprintf(f, "  %-26s %s\n", "--set KEY=VALUE", "set a script field or option, e.g. --set epochs=3");
    train_settings_help(f);
    fprintf(f, "\nEach run writes runs/NAME-YYYYmmdd-HHMMSS/ with config.json, metrics.csv,\n"
               "metrics.jsonl, events.log, summary.json and the models' checkpoints.\n"
               "Exit status: 0 done, 1 the run failed, 2 bad usage, 130 interrupted.\n");
}

static int give(cli *c, const train_option *op, const char *v, char *err, size_t errlen)
{
    if (c->ngiven == (int)(sizeof c->given / sizeof c->given[0]))
        return snprintf(err, errlen, "too many options"), -1;
    c->given[c->ngiven++] = (struct given){op, v};
    return 0;
}

static int parse_args(cli *c, int argc, char **argv, char *err, size_t errlen)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--", 2) != 0) {
            if (c->script) return snprintf(err, errlen, "one script at a time: '%s' and '%s'", c->script, a), -1;
            c->script = a;
            continue;
        }
        const char *eq = strchr(a, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        const char *v = eq ? eq + 1 : NULL;
        if (len == 3 && !strncmp(a + 2, "set", 3)) { /* --set key=value */
            if (!v) {
                if (i + 1 >= argc) return snprintf(err, errlen, "--set needs KEY=VALUE"), -1;
                v = argv[++i];
            }
            const char *kv = strchr(v, '=');
            if (!kv || kv == v) return snprintf(err, errlen, "--set: expected KEY=VALUE, found '%s'", v), -1;
            const train_option *op = train_option_find(v, (size_t)(kv - v));
            if (!op) return snprintf(err, errlen, "--set: unknown key '%.*s'", (int)(kv - v), v), -1;
            if (give(c, op, kv + 1, err, errlen)) return -1;
            continue;
        }
        const cli_flag *fl = NULL;
        for (size_t k = 0; k < NFLAGS; k++)
            if (strlen(cli_flags[k].name) == len && !strncmp(cli_flags[k].name, a + 2, len))
                fl = &cli_flags[k];
        if (fl) {
            if (v) return snprintf(err, errlen, "--%s takes no value", fl->name), -1;
            *fl->field(c) = true;
            continue;
        }
        const train_option *op = train_option_find(a + 2, len);
        if (!op || memchr(a + 2, '_', len))
            return snprintf(err, errlen, "unknown option '%.*s' (see --help)", (int)len + 2, a), -1;
        bool optional = op->arg && op->arg[0] == '[';
        if (op->arg && !v && !optional) {
            if (i + 1 >= argc) return snprintf(err, errlen, "--%s needs a value (%s)", op->name, op->arg), -1;
            v = argv[++i];
        } else if (optional && !v && i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0 &&
                   !strstr(argv[i + 1], ".lua")) {
            v = argv[++i]; /* "--baseline no" as well as "--baseline=no" */
        }
        if (!op->arg && v) return snprintf(err, errlen, "--%s takes no value", op->name), -1;
        if (give(c, op, v, err, errlen)) return -1;
    }
    return 0;
}

/* The script's fields, then the command line's settings over them. */
static int settle(cli *c, script *sc, char *err, size_t errlen)
{
    if (sc && script_settings(sc, &c->s, err, errlen)) return -1;
    for (int i = 0; i < c->ngiven; i++) {
        const train_option *op = c->given[i].op;
        if (train_settings_apply(&c->s, op->name, c->given[i].value, err, errlen)) return -1;
        if (sc) script_override(sc, op->name);
    }
    train_settings_finish(&c->s);
    return train_config_check(&c->s.c, err, errlen);
}

int main(int argc, char **argv)
{
    cli c = {0};
    char err[1024];
    train_settings_init(&c.s);
    if (parse_args(&c, argc, argv, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        return 2;
    }
    if (c.help) {
        usage(stdout);
        return 0;
    }
    if (c.version) {
        printf("distillery %s\n", PACKAGE_VERSION);
        return 0;
    }
    if ((c.check || c.run) && !c.script) {
        fprintf(stderr, "distillery: --%s needs a SCRIPT.lua\n", c.check ? "check" : "run");
        return 2;
    }
    script *sc = NULL;
    if (c.script && !(sc = script_open(c.script, c.unsafe, err, sizeof err))) {
        fprintf(stderr, "distillery: %s\n", err);
        return 1;
    }
    int status;
    if (c.run) { /* the chunk has run: its output was the point */
        status = 0;
    } else if (sc && script_kind_of(sc) == SCRIPT_LESSON) {
        char title[128];
        int n = script_lesson_size(sc, title, sizeof title);
        if (c.check) {
            printf("%s: ok: lesson '%s', %d question%s\n", c.script, title, n, n > 1 ? "s" : "");
            status = 0;
        } else if ((status = tui_lesson_run(sc)) == -1) {
            fprintf(stderr, "distillery: %s is a lesson: it needs a terminal\n", c.script);
            status = 2;
        } else if (status == TUI_LESSON_EXPERIMENT) { /* from one question to real training */
            if (settle(&c, sc, err, sizeof err)) {
                fprintf(stderr, "distillery: %s\n", err);
                status = 2;
            } else {
                if (c.s.c.threads == 0) c.s.c.threads = sysconf(_SC_NPROCESSORS_ONLN) >= 2 ? 2 : 1;
                nn_set_threads(c.s.c.threads);
                status = tui_run(&c.s, sc);
            }
        }
    } else if (settle(&c, sc, err, sizeof err)) {
        fprintf(stderr, "distillery: %s\n", err);
        status = 2;
    } else if (c.check) {
        char teacher[128], student[128];
        nn_format_widths(c.s.c.teacher, c.s.c.nteacher, teacher, sizeof teacher);
        nn_format_widths(c.s.c.student, c.s.c.nstudent, student, sizeof student);
        printf("%s: ok: %s '%s', teacher %s, student %s, T %g, alpha %g",
               c.script, script_kind_of(sc) == SCRIPT_SWEEP ? "sweep" : "experiment", c.s.c.name,
               teacher, student, c.s.c.T, c.s.c.alpha);
        if (script_kind_of(sc) == SCRIPT_SWEEP) printf(", %d runs", script_sweep_size(sc));
        printf("\n");
        status = 0;
    } else {
        if (c.s.c.threads == 0) {
            long n = sysconf(_SC_NPROCESSORS_ONLN);
            c.s.c.threads = n >= 2 ? 2 : 1;
        }
        nn_set_threads(c.s.c.threads);
        /* the screen unless asked not to, or there is no terminal to draw on; sweeps are
         * headless work */
        status = -1;
        if (sc && script_kind_of(sc) == SCRIPT_SWEEP) status = run_sweep(&c.s, sc);
        else if (!c.headless && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO)) status = tui_run(&c.s, sc);
        if (status == -1) status = run_headless(&c.s, sc, NULL, NULL, 0);
    }
    script_close(sc);
    return status;
}
