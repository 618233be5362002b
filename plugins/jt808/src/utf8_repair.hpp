// What EMQX's JSON encoder does with STRING fields that are not UTF-8, so that a payload with such
// bytes reads the same here as from EMQX's gateway.
//
// EMQX encodes with jiffy and `force_utf8`: when every string of the payload is valid UTF-8 the
// payload goes out unchanged; otherwise every string of it is rebuilt by a loose decoder:
//  - well-formed 1–4 byte patterns are decoded even when overlong (C0 AF is '/') or above U+10FFFF;
//  - any other byte, together with the continuation bytes (0x80–0xBF) right after it, becomes one
//    U+FFFD (so GBK's BE A9 is one U+FFFD, FF FE two);
//  - a high and a low surrogate next to each other (CESU-8) are joined into one character;
//  - what is still not a character (lone surrogates, U+FFFE, U+FFFF, above U+10FFFF) becomes
//    U+FFFD.
#pragma once

#include <string>
#include <string_view>

namespace jt808 {

/// Strict UTF-8 (shortest forms, no surrogates, at most U+10FFFF): the check EMQX's encoder
/// makes before it decides to repair.
bool is_utf8(std::string_view s);

/// The loose decoding above, re-encoded as UTF-8 (always valid).
std::string repair_utf8(std::string_view s);

}  // namespace jt808
