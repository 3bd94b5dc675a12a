/* data_set: what every data set shares once loaded: freeing, batches as floats, the identity hash
 * a teacher cache is keyed by, and the transfer set (which training samples a student learns
 * from), with the parsers for the command line's --transfer and --omit. */
#include "distillery/data.h"
#include "distillery/nn_rng.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>

void data_free(data_set *d)
{
    if (!d) return;
    free(d->pixels);
    free(d->labels);
    free(d->class_names);
    memset(d, 0, sizeof *d);
}

void data_batch(const data_set *d, const int *idx, int B, float *out)
{
    /* a multiply, not a divide: the same floats whichever way a compiler treats division */
    const float scale = 1.0f / 255.0f;
    size_t dim = (size_t)d->dim;
    for (int b = 0; b < B; b++) {
        const uint8_t *src = d->pixels + (size_t)idx[b] * dim;
        float *dst = out + (size_t)b * dim;
        for (size_t k = 0; k < dim; k++)
            dst[k] = (float)src[k] * scale;
    }
}

void data_batch_labels(const data_set *d, const int *idx, int B, int *out)
{
    for (int b = 0; b < B; b++)
        out[b] = d->labels[idx[b]];
}

#define FNV_OFFSET 14695981039346656037ull
#define FNV_PRIME  1099511628211ull

uint64_t data_fnv1a(uint64_t h, const void *bytes, size_t n)
{
    const uint8_t *p = bytes;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= FNV_PRIME;
    }
    return h;
}

/* Integers enter the hash as 4 little-endian bytes, so a cache key is the same on every host. */
static uint64_t fnv1a_int(uint64_t h, int v)
{
    uint32_t u = (uint32_t)v;
    uint8_t b[4] = {(uint8_t)u, (uint8_t)(u >> 8), (uint8_t)(u >> 16), (uint8_t)(u >> 24)};
    return data_fnv1a(h, b, 4);
}

uint64_t data_hash(const data_set *d)
{
    uint64_t h = FNV_OFFSET;
    h = fnv1a_int(h, d->n);
    h = fnv1a_int(h, d->rows);
    h = fnv1a_int(h, d->cols);
    h = fnv1a_int(h, d->nclasses);
    if (d->n > 0 && d->pixels) h = data_fnv1a(h, d->pixels, (size_t)d->n * (size_t)d->dim);
    if (d->n > 0 && d->labels) h = data_fnv1a(h, d->labels, (size_t)d->n);
    return h;
}

/* --- The transfer set --------------------------------------------------------------------- */

data_transfer_config data_transfer_defaults(void)
{
    data_transfer_config c = {.fraction = 0, .count = 0, .omit_mask = 0, .labeled = -1};
    return c;
}

void data_transfer_free(data_transfer *t)
{
    if (!t) return;
    free(t->index);
    memset(t, 0, sizeof *t);
}

int data_transfer_make(data_transfer *out, const data_set *train, const data_transfer_config *cfg,
                       uint64_t seed, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (!(cfg->fraction >= 0 && cfg->fraction <= 1)) {
        snprintf(err, errlen, "transfer set: fraction must be in (0, 1], found %g", cfg->fraction);
        return -1;
    }
    if (cfg->count < 0) {
        snprintf(err, errlen, "transfer set: count must be >= 1, found %ld", cfg->count);
        return -1;
    }
    if (cfg->labeled < -1) {
        snprintf(err, errlen, "transfer set: labeled must be >= 0 or -1 (all), found %ld",
                 cfg->labeled);
        return -1;
    }
    if (train->n <= 0 || train->nclasses <= 0) {
        snprintf(err, errlen, "transfer set: the training set is empty");
        return -1;
    }
    if (train->nclasses < 64 && (cfg->omit_mask >> train->nclasses) != 0) {
        int c = train->nclasses;
        while (!((cfg->omit_mask >> c) & 1))
            c++;
        snprintf(err, errlen, "transfer set: cannot omit class %d: expected a class below %d", c,
                 train->nclasses);
        return -1;
    }

    int *index = malloc((size_t)train->n * sizeof *index);
    if (!index) {
        snprintf(err, errlen, "transfer set: out of memory for %d indices", train->n);
        return -1;
    }
    for (int i = 0; i < train->n; i++)
        index[i] = i;
    nn_rng rng;
    nn_rng_seed(&rng, seed);
    /* the permutation comes first and covers every sample, so the same seed draws the same
     * order whatever is omitted afterwards */
    nn_rng_shuffle(&rng, index, train->n);
    int avail = 0;
    for (int i = 0; i < train->n; i++) {
        int c = train->labels[index[i]];
        if (c < 64 && ((cfg->omit_mask >> c) & 1)) continue;
        index[avail++] = index[i];
    }
    if (avail == 0) {
        snprintf(err, errlen, "transfer set: omitting those classes leaves no training sample");
        free(index);
        return -1;
    }

    long n = avail;
    if (cfg->count > 0) {
        if (cfg->count > avail) {
            snprintf(err, errlen,
                     "transfer set: asked for %ld samples, but only %d are available%s", cfg->count,
                     avail, cfg->omit_mask ? " after omitting classes" : "");
            free(index);
            return -1;
        }
        n = cfg->count;
    } else if (cfg->fraction > 0) {
        n = (long)floor(cfg->fraction * avail + 0.5);
        if (n < 1) n = 1;
        if (n > avail) n = avail;
    }

    long nlabeled = n;
    if (cfg->labeled >= 0) {
        if (cfg->labeled > n) {
            snprintf(err, errlen,
                     "transfer set: %ld labeled samples asked for, but the set holds only %ld",
                     cfg->labeled, n);
            free(index);
            return -1;
        }
        nlabeled = cfg->labeled;
    }

    if (n < train->n) {
        int *shrunk = realloc(index, (size_t)n * sizeof *index);
        if (shrunk) index = shrunk;
    }
    out->n = (int)n;
    out->index = index;
    out->nlabeled = (int)nlabeled;
    return 0;
}

/* --- Parsers ------------------------------------------------------------------------------ */

static int all_digits(const char *s, size_t len)
{
    if (len == 0) return 0;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)s[i])) return 0;
    return 1;
}

/* A plain decimal number: digits with at most one point, at least one digit, and an optional
 * exponent; no sign, no spaces, no hex, no inf or nan (strtod alone takes all of those). */
static int is_decimal(const char *s, size_t len)
{
    size_t i = 0, digits = 0;
    while (i < len && isdigit((unsigned char)s[i]))
        i++, digits++;
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && isdigit((unsigned char)s[i]))
            i++, digits++;
    }
    if (digits == 0) return 0;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        if (i >= len || !isdigit((unsigned char)s[i])) return 0;
        while (i < len && isdigit((unsigned char)s[i]))
            i++;
    }
    return i == len;
}

int data_parse_transfer(const char *s, data_transfer_config *cfg, char *err, size_t errlen)
{
    static const char *want = "expected a percentage (\"5%\"), a fraction (\"0.05\") or a count "
                              "(\"3000\")";
    size_t len = s ? strlen(s) : 0;
    if (len == 0) {
        snprintf(err, errlen, "transfer: %s, found an empty string", want);
        return -1;
    }
    int percent = s[len - 1] == '%';
    size_t numlen = percent ? len - 1 : len;

    if (!percent && all_digits(s, numlen)) {
        errno = 0;
        char *end;
        long v = strtol(s, &end, 10);
        if (errno == ERANGE || v > INT_MAX) {
            snprintf(err, errlen, "transfer: count \"%s\" is too large", s);
            return -1;
        }
        if (v < 1) {
            snprintf(err, errlen, "transfer: expected a count of at least 1, found \"%s\"", s);
            return -1;
        }
        cfg->count = v;
        cfg->fraction = 0;
        return 0;
    }
    if (!is_decimal(s, numlen)) {
        snprintf(err, errlen, "transfer: %s, found \"%s\"", want, s);
        return -1;
    }
    double v = strtod(s, NULL);
    if (percent) {
        if (!(v > 0 && v <= 100)) {
            snprintf(err, errlen, "transfer: expected a percentage in (0%%, 100%%], found \"%s\"",
                     s);
            return -1;
        }
        v /= 100;
    } else if (!(v > 0 && v <= 1)) {
        snprintf(err, errlen,
                 "transfer: expected a fraction in (0, 1] (a count is written without a "
                 "point), found \"%s\"",
                 s);
        return -1;
    }
    cfg->fraction = v;
    cfg->count = 0;
    return 0;
}

int data_parse_classes(const char *s, const data_set *names, uint64_t *mask, char *err,
                       size_t errlen)
{
    int limit = 64;
    if (names && names->nclasses < limit) limit = names->nclasses;
    if (!s || !*s) {
        snprintf(err, errlen,
                 "classes: expected a class list like \"3\" or \"3,5,7\", found an "
                 "empty string");
        return -1;
    }
    uint64_t m = 0;
    int item = 0;
    const char *p = s;
    for (;;) {
        item++;
        const char *comma = strchr(p, ',');
        const char *end = comma ? comma : p + strlen(p);
        /* spaces around an item are forgiven: "3, 5" is what people type */
        while (p < end && isspace((unsigned char)*p))
            p++;
        while (end > p && isspace((unsigned char)end[-1]))
            end--;
        size_t len = (size_t)(end - p);
        if (len == 0) {
            snprintf(err, errlen, "classes: item %d of \"%s\" is empty", item, s);
            return -1;
        }
        int c = -1;
        if (all_digits(p, len)) {
            c = 0;
            for (size_t i = 0; i < len && c < 1000; i++)
                c = c * 10 + (p[i] - '0');
            if (c >= limit) {
                snprintf(err, errlen, "classes: expected a class below %d, found %.*s", limit,
                         (int)len, p);
                return -1;
            }
        } else if (names && names->class_names) {
            for (int k = 0; k < names->nclasses; k++) {
                if (strlen(names->class_names[k]) == len &&
                    strncasecmp(names->class_names[k], p, len) == 0) {
                    c = k;
                    break;
                }
            }
            if (c < 0) {
                snprintf(err, errlen, "classes: expected a class number or name, found \"%.*s\"",
                         (int)len, p);
                return -1;
            }
            if (c >= limit) {
                snprintf(err, errlen,
                         "classes: \"%.*s\" is class %d, but only classes below %d "
                         "can be listed",
                         (int)len, p, c, limit);
                return -1;
            }
        } else {
            snprintf(err, errlen, "classes: expected a class number, found \"%.*s\"", (int)len, p);
            return -1;
        }
        m |= 1ull << c;
        if (!comma) break;
        p = comma + 1;
    }
    *mask = m;
    return 0;
}
