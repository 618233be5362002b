// Serial numbers for outgoing messages: free runs and collisions, modulo 65536.
#include "serials.hpp"

#include <doctest/doctest.h>

#include <vector>

using namespace jt808;

TEST_CASE("jt808 serials: a run starts at the counter when free, else after the numbers held") {
  const std::vector<std::uint16_t> none;
  CHECK(free_serials(7, 3, none) == 7);
  const std::vector<std::uint16_t> held{8, 9};
  CHECK(free_serials(7, 1, held) == 7);
  CHECK(free_serials(7, 2, held) == 10);  // 7 is free but 7, 8 is not a run
  CHECK(free_serials(8, 1, held) == 10);
  // Wrapping: 65535 and 0 are consecutive.
  CHECK(free_serials(65535, 2, none) == 65535);
  const std::vector<std::uint16_t> zero{0};
  CHECK(free_serials(65535, 2, zero) == 1);
  CHECK(free_serials(65534, 2, zero) == 65534);
}

TEST_CASE("jt808 serials: no run when the numbers are all held, or more are asked than exist") {
  std::vector<std::uint16_t> all;
  for (unsigned i = 0; i < 65536; ++i) all.push_back(static_cast<std::uint16_t>(i));
  CHECK_FALSE(free_serials(0, 1, all));
  std::vector<std::uint16_t> gaps;  // every other number held: no two consecutive free
  for (unsigned i = 0; i < 65536; i += 2) gaps.push_back(static_cast<std::uint16_t>(i));
  CHECK(free_serials(0, 1, gaps) == 1);
  CHECK_FALSE(free_serials(0, 2, gaps));
  CHECK_FALSE(free_serials(0, 65537, {}));
  CHECK_FALSE(free_serials(0, 0, {}));
}

TEST_CASE("jt808 serials: a caller's numbers collide when any package's number is held") {
  const std::vector<std::uint16_t> held{0, 500};
  CHECK(serials_taken(499, 2, held));
  CHECK(serials_taken(500, 1, held));
  CHECK_FALSE(serials_taken(501, 10, held));
  CHECK(serials_taken(65535, 2, held));  // 65535, 0
  CHECK_FALSE(serials_taken(65535, 1, held));
  CHECK_FALSE(serials_taken(1, 3, {}));
}
