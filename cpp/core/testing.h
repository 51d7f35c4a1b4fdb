#ifndef QNSIM_CORE_TESTING_H
#define QNSIM_CORE_TESTING_H

// Helpers for the GoogleTest unit tests (*.test.cc); not part of the library. Only plain gtest is
// used (Debian's libgtest-dev ships no gmock), so message checks are spelled out here.

#include <gtest/gtest.h>

#include <string>

/// Expects `statement` to throw `exception_type` (or a subclass) whose what() contains
/// `substring`: every error path checks that its message names the bad value. Any other
/// exception propagates and fails the test.
#define QNSIM_EXPECT_THROW_MSG(statement, exception_type, substring)                                        \
    do {                                                                                                    \
        try {                                                                                               \
            statement;                                                                                      \
            ADD_FAILURE() << "expected " #exception_type " from: " #statement;                              \
        } catch (const exception_type &qnsim_caught_) {                                                     \
            const std::string qnsim_what_ = qnsim_caught_.what();                                           \
            EXPECT_NE(qnsim_what_.find(substring), std::string::npos)                                       \
                << #exception_type " message\n  " << qnsim_what_ << "\nlacks\n  " << (substring);          \
        }                                                                                                   \
    } while (0)

#endif
