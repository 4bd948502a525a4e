/* The unit tests' checks: CHECK(cond) counts a failure and says where,
 * without stopping the test; main returns failures != 0. */
#ifndef REX86_TESTS_CHECK_H
#define REX86_TESTS_CHECK_H

#include <stdio.h>

static int failures;
#define CHECK(cond)                                                                                          \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);                         \
            failures++;                                                                                      \
        }                                                                                                    \
    } while (0)

#endif
