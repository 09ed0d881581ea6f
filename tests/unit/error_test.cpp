// error.hpp: every errc has its own sentence, the category is named enipool, and result<T>
// carries errors by value.
#include <enipool/error.hpp>

#include <catch2/catch.hpp>

#include <set>

using enipool::errc;

TEST_CASE("every errc has a distinct, non-generic message", "[error]") {
    std::set<std::string> seen;
    int count = 0;
    for (int v = 0; v < 700; ++v) {
        const std::string text = enipool::enipool_category().message(v);
        if (text == "unknown enipool error" || v == 0) continue;
        ++count;
        CHECK(seen.insert(text).second);
    }
    CHECK(count >= 40);
    CHECK(std::string(enipool::enipool_category().name()) == "enipool");
}

TEST_CASE("the datastore's texts are the ones users know", "[error]") {
    CHECK(std::error_code(errc::no_available_addresses).message() == "no available IP/Prefix addresses");
    CHECK(std::error_code(errc::unknown_pod).message() == "unknown pod");
    CHECK(std::error_code(errc::duplicate_eni).message() == "duplicate ENI");
    CHECK(std::error_code(errc::unknown_eni).message() == "unknown ENI");
    CHECK(std::error_code(errc::address_already_in_datastore).message() == "IP already in data store");
    CHECK(std::error_code(errc::address_in_use).message() == "IP is used and can not be deleted");
    CHECK(std::error_code(errc::eni_in_use).message() == "ENI is used and can not be deleted");
    CHECK_THAT(std::error_code(errc::insufficient_cidr_blocks).message(),
               Catch::StartsWith("The specified subnet does not have enough free cidr blocks "
                                 "to satisfy the request"));
}

TEST_CASE("result<T> carries values and errors with details", "[error]") {
    enipool::result<int> ok = 7;
    REQUIRE(ok);
    CHECK(*ok == 7);
    enipool::result<int> bad = enipool::error(errc::unknown_pod, "key ns/pod");
    REQUIRE_FALSE(bad);
    CHECK(bad.error() == errc::unknown_pod);
    CHECK(bad.error().message() == "unknown pod: key ns/pod");
    CHECK_THROWS_AS(bad.value(), enipool::error_exception);
    try {
        (void)bad.value();
    } catch (const enipool::error_exception& e) {
        CHECK(e.get().code() == errc::unknown_pod);
        CHECK(e.code() == std::error_code(errc::unknown_pod));
    }
    enipool::result<void> done = enipool::success();
    CHECK(done.has_value());
}
