#include "stabilizer/circuit_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/errors.h"
#include "core/testing.h"

namespace qnsim::circuit_text {
namespace {

LineReader read(const std::string &text, uint64_t line = 1) {
    return LineReader(text.data(), text.data() + text.size(), line);
}

std::vector<double> args_of(const std::string &text, bool angles = false) {
    LineReader r = read(text);
    std::vector<double> out{42.0};  // read_args clears it
    r.read_args(out, r.upper(), angles);
    return out;
}

TEST(LineReader, ToldEmptyCloseRepeatAndInstructionLines) {
    EXPECT_EQ(read("").kind(), LineReader::Kind::Empty);
    EXPECT_EQ(read(" \t\v\f # H 0").kind(), LineReader::Kind::Empty);
    EXPECT_EQ(read("  }  # end").kind(), LineReader::Kind::Close);
    const std::string repeat = "\vrepeat[t] 18446744073709551615{ # c";
    LineReader r = read(repeat);
    ASSERT_EQ(r.kind(), LineReader::Kind::RepeatOpen);
    EXPECT_EQ(r.repeat_count(), 18446744073709551615ULL);
    const std::string tagged = "\fcx[a#b] 0 1 # c";
    LineReader h = read(tagged);
    ASSERT_EQ(h.kind(), LineReader::Kind::Instruction);
    EXPECT_EQ(h.name(), "cx");
    EXPECT_EQ(h.upper(), "CX");
    // The tag's '#' starts no comment; the one after the targets does.
    EXPECT_EQ(std::string(h.pos(), h.end()), " 0 1 ");
}

TEST(LineReader, ReadsArgumentsAsStimDoes) {
    EXPECT_EQ(args_of("H 0"), std::vector<double>{});
    EXPECT_EQ(args_of("X_ERROR() 0"), std::vector<double>{0.0});  // "()" is one empty slot
    EXPECT_EQ(args_of("PAULI_CHANNEL_1(0.5,,\t.25 ) 0"), (std::vector<double>{0.5, 0.0, 0.25}));
    EXPECT_EQ(args_of("I_ERROR(1,) 0"), (std::vector<double>{1.0, 0.0}));
    const std::vector<double> angles = args_of("RZ(3*pi/4, -pi/2, pi, 0.5 * pi) 0", true);
    ASSERT_EQ(angles.size(), 4u);
    EXPECT_DOUBLE_EQ(angles[0], 3 * 3.14159265358979323846 / 4);
    EXPECT_DOUBLE_EQ(angles[1], -3.14159265358979323846 / 2);
    EXPECT_DOUBLE_EQ(angles[2], 3.14159265358979323846);
    EXPECT_DOUBLE_EQ(angles[3], 3.14159265358979323846 / 2);
}

TEST(LineReader, SplitsTargetsIntoTheFormsStimWrites) {
    const std::string text = "MPP 7 !3 x2*!Z1 * rec[-4] sweep[5] 0x !X 99999999999999999999\t{ # 8";
    LineReader r = read(text);
    std::vector<TargetToken> tokens;
    TargetToken t;
    while (r.next_target(t)) tokens.push_back(t);
    ASSERT_EQ(tokens.size(), 12u);
    const auto written = [&](size_t k) { return std::string(tokens[k].begin, tokens[k].end); };
    EXPECT_EQ(tokens[0].kind, TargetToken::Qubit);
    EXPECT_EQ(tokens[0].value, 7u);
    EXPECT_TRUE(tokens[1].inverted);
    EXPECT_EQ(tokens[1].value, 3u);
    EXPECT_EQ(tokens[2].pauli, 1);  // x2: a '*' ends a target and is one itself
    EXPECT_EQ(written(2), "x2");
    EXPECT_EQ(tokens[3].kind, TargetToken::Combiner);
    EXPECT_TRUE(tokens[4].inverted);
    EXPECT_EQ(tokens[4].pauli, 3);
    EXPECT_EQ(tokens[5].kind, TargetToken::Combiner);
    EXPECT_EQ(tokens[6].kind, TargetToken::Record);
    EXPECT_EQ(tokens[6].value, 4u);
    EXPECT_EQ(tokens[7].kind, TargetToken::Sweep);
    EXPECT_EQ(tokens[7].value, 5u);
    EXPECT_EQ(tokens[8].kind, TargetToken::Malformed);
    EXPECT_EQ(written(8), "0x");
    EXPECT_EQ(tokens[9].kind, TargetToken::Malformed);
    EXPECT_EQ(tokens[10].kind, TargetToken::Qubit);
    EXPECT_TRUE(tokens[10].overflow);
    EXPECT_EQ(tokens[11].kind, TargetToken::Malformed);  // '{': the comment after it is no target
    EXPECT_EQ(written(11), "{");
}

TEST(Blocks, CountsTheRecordsBeforeALineWithRepeatCountsMultipliedOut) {
    // M 0 / REPEAT 3 { M 0 1 / REPEAT 2 { M 0 } } : 1 + 3 * (2 + 2 * 1) = 13 records after the outer '}'.
    Blocks b;
    b.add_records(1);
    b.open(3, 2);
    b.add_records(2);
    b.open(2, 4);
    b.add_records(1);
    EXPECT_EQ(b.measured(), 4u);  // at the first execution of a line after the inner M 0
    b.close(6);
    EXPECT_EQ(b.measured(), 5u);
    b.close(7);
    EXPECT_EQ(b.measured(), 13u);
    EXPECT_EQ(b.depth(), 0u);
    EXPECT_NO_THROW(b.finish());
    QNSIM_EXPECT_THROW_MSG(b.close(8), CircuitParseError,
                           "unbalanced braces: '}' without an open REPEAT block on line 8");
    b.open(uint64_t{1} << 63, 9);
    b.add_records(2);
    QNSIM_EXPECT_THROW_MSG(b.finish(), CircuitParseError,
                           "unbalanced braces: the REPEAT block opened on line 9 is never closed (missing '}')");
    b.close(10);
    EXPECT_EQ(b.measured(), Blocks::kRecordsCap);  // saturates, where 2 * 2^63 wrapped
}

TEST(LineReader, RefusesWhatStimRefusesNamingTheLine) {
    const auto refuses = [](const std::string &text, const char *what) {
        QNSIM_EXPECT_THROW_MSG(
            {
                LineReader r = read(text, 7);
                std::vector<double> out;
                r.read_args(out, r.upper(), false);
            },
            CircuitParseError, std::string(what) + " on line 7");
    };
    refuses("M!0", "the targets of M must be separated from its name by a space, got 'M!0'");
    refuses("H[t]0", "the targets of H must be separated from its tag by a space");
    refuses("H[t 0", "instruction tag '[t 0' on H has no closing ']' (a tag ends at the first ']' on its line)");
    refuses("X_ERROR(0.1)0", "the targets of X_ERROR must be separated from ')' by a space");
    refuses("X_ERROR(0.1 0", "missing ')' after the arguments of X_ERROR");
    refuses("X_ERROR(0.1,", "missing ')' after the arguments of X_ERROR");
    refuses("X_ERROR(\r0.1) 0", "argument '\\x0d0.1' of X_ERROR is not a decimal number");
    refuses("X_ERROR(0x1p-3) 0", "argument '0x1p-3' of X_ERROR is not a decimal number");
    refuses("X_ERROR(1e400) 0", "argument '1e400' of X_ERROR is not a finite number");
    refuses("X_ERROR(pi) 0", "argument 'pi' of X_ERROR is not a decimal number");
    refuses("} x", "unexpected text 'x' after '}'");
    refuses("!0", "expected a gate name, got '!0'");
    refuses("REPEAT(2) 3 {", "REPEAT takes no parenthesized arguments");
    refuses("REPEAT {", "REPEAT needs a repetition count, as in 'REPEAT 10 {'");
    refuses("REPEAT 1_0 {", "REPEAT count must be a positive integer in digits 0-9, got 1_0");
    refuses("REPEAT 0 {", "REPEAT count must be at least 1, got 0");
    refuses("REPEAT -2 {", "REPEAT count must be at least 1, got -2");
    refuses("REPEAT 18446744073709551616 {", "REPEAT count must be at most 2**64 - 1, got 18446744073709551616");
    refuses("REPEAT 2\v{", "REPEAT block must open with '{' on the same line");
    refuses("REPEAT 2 { H 0", "unexpected text 'H' after '{'");
}

}  // namespace
}  // namespace qnsim::circuit_text
