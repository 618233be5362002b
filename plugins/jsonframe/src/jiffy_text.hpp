// JSON text exactly as EMQX's echo server writes it: jiffy 2.0.1 with [force_utf8] — no
// whitespace, short escapes for " \ \b \f \n \r \t, \u00XX (upper-case hex) for other control
// bytes, '/' and non-ASCII emitted raw. Devices written against the echo server may compare bytes.
#pragma once

#include <string>
#include <string_view>

namespace jsonframe {

/// True when jiffy would encode `s` as is (its UTF-8 check: shortest form, no surrogates,
/// nothing above U+10FFFF).
bool jiffy_accepts(std::string_view s);

/// What jiffy's force_utf8 turns a string into once any string of the term was rejected: a lax
/// decode where each broken sequence (lead byte plus its stray continuation bytes) becomes U+FFFD,
/// CESU-style surrogate pairs are combined, and surrogates, U+FFFE/U+FFFF and code points above
/// U+10FFFF become U+FFFD.
std::string jiffy_fix_utf8(std::string_view s);

/// Appends `s` as a quoted JSON string; `s` must satisfy jiffy_accepts().
void append_jiffy_string(std::string& out, std::string_view s);

}  // namespace jsonframe
