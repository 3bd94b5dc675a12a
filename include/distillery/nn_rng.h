/* nn_rng: a small seeded PRNG (xoshiro256**), so that a run is repeatable bit for bit. */
#ifndef DISTILLERY_NN_RNG_H
#define DISTILLERY_NN_RNG_H

#include <stdint.h>

typedef struct nn_rng {
    uint64_t s[4];
} nn_rng;

void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
/* uniform in [0, 1) with 24 bits */
float nn_rng_uniform(nn_rng *r);
/* standard normal (Box-Muller) */
float nn_rng_normal(nn_rng *r);
/* uniform integer in [0, n), unbiased; n > 0 */
uint64_t nn_rng_below(nn_rng *r, uint64_t n);
/* Fisher-Yates shuffle of v (n) */
void nn_rng_shuffle(nn_rng *r, int *v, int n);

#endif
