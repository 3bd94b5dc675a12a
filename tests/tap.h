/* tap.h: a minimal TAP producer for the C tests, read by automake's tap-driver.sh.
 * Each check prints "ok N - what" or "not ok N - what"; tap_done() prints the plan and returns
 * the exit status, non-zero when anything failed. */
#ifndef DISTILLERY_TAP_H
#define DISTILLERY_TAP_H

#include <math.h>
#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed;

static inline int tap_ok(int cond, const char *fmt, ...)
{
    va_list ap;
    printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    if (!cond) tap_failed++;
    return cond;
}

/* |got - want| <= tol, with both values shown on failure */
static inline int tap_close(double got, double want, double tol, const char *what)
{
    int ok = fabs(got - want) <= tol && !isnan(got);
    if (!ok) printf("# %s: got %.9g, want %.9g (tol %g)\n", what, got, want, tol);
    return tap_ok(ok, "%s", what);
}

static inline void tap_diag(const char *fmt, ...)
{
    va_list ap;
    printf("# ");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
}

static inline int tap_done(void)
{
    printf("1..%d\n", tap_n);
    return tap_failed ? 1 : 0;
}

#endif
