// What the fuzz targets share: a check that stops the run with a message when a contract breaks
// (libFuzzer then saves the input as a crash artifact).
#pragma once

#include <cstdio>
#include <cstdlib>

#define CORTADO_FUZZ_CHECK(condition)                                                                \
    do {                                                                                           \
        if (!(condition)) {                                                                        \
            std::fprintf(stderr, "%s:%d: contract broken: %s\n", __FILE__, __LINE__, #condition);   \
            std::abort();                                                                          \
        }                                                                                          \
    } while (false)
