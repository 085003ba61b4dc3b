// SHA-256 (FIPS 180-4), written from the specification.
//
// ACL passwords are kept as their SHA-256, printed as 64 lower-case hex
// digits, exactly as Redis 7.0 stores them: ACL LIST's "#<hash>" and an
// aclfile written by Redis must mean the same password here.
#pragma once

#include <string>
#include <string_view>

namespace replikv {

// The digest of `message` as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view message);

}  // namespace replikv
