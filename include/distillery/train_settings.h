/* train_settings: an experiment's settings in text form, as the command line, --set key=value and
 * Lua experiment scripts give them. One table drives the parsing and the help. */
#ifndef DISTILLERY_TRAIN_SETTINGS_H
#define DISTILLERY_TRAIN_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "train_config.h"

/* A config being filled, with what was given explicitly: some defaults depend on other values
 * (a model's input and output widths on the data, learning rates on the optimizer). */
typedef struct train_settings {
    train_config c;
    bool teacher_given, student_given, data_given, lr_given, teacher_lr_given, teacher_seed_given;
} train_settings;

typedef struct train_option {
    const char *name; /* "teacher-epochs"; "teacher_epochs" is accepted too */
    const char *arg;  /* "N", "[yes|no]" (value optional), or NULL for a switch */
    int (*set)(train_settings *s, const char *value, char *err, size_t errlen);
    const char *help; /* one line, the default in brackets */
} train_option;

/* The defaults of train_config_defaults(), nothing given. */
void train_settings_init(train_settings *s);

/* Set one setting by name from text (value NULL for a switch or an optional value); 0, or -1 with
 * err naming the setting, what was expected and what was found. */
int train_settings_apply(train_settings *s, const char *name, const char *value, char *err,
                         size_t errlen);

/* Fill the defaults that follow from others (learning rates, the teacher's seed). Call once,
 * after the last apply. */
void train_settings_finish(train_settings *s);

/* The table (n entries), and a lookup of name[0..len) with '_' standing for '-'; NULL if none. */
const train_option *train_option_table(size_t *n);
const train_option *train_option_find(const char *name, size_t len);

/* "  --name ARG    help" for every setting */
void train_settings_help(FILE *f);

#endif
