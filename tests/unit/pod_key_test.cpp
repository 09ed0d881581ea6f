// cni_key against a plain std::tuple of std::strings: equality, ordering, accessors and the
// hash computed in make() agree for random fields, NUL bytes and trailing NULs included (the
// key pads its fields with zeros, so lengths must tell "ab" from "ab\0").
#include <enipool/pod_key.hpp>

#include <catch2/catch.hpp>
#include <rapidcheck.h>
#include <rapidcheck/catch.h>

#include <string>
#include <tuple>

using namespace enipool;

namespace {

using fields = std::tuple<std::string, std::string, std::string>;  // network, container id, ifname

// Short strings over a tiny alphabet (so that random pairs are often equal or differ by a
// byte), NUL included.
rc::Gen<std::string> field(std::size_t max) {
    return rc::gen::mapcat(rc::gen::inRange<std::size_t>(0, max + 1), [](std::size_t n) {
        return rc::gen::container<std::string>(n, rc::gen::element('a', 'b', '\0'));
    });
}

rc::Gen<fields> key_fields() {
    return rc::gen::tuple(field(cni_key::max_network_name), field(cni_key::max_container_id),
                          field(cni_key::max_ifname));
}

cni_key make(const fields& f) {
    return cni_key::make(std::get<0>(f), std::get<1>(f), std::get<2>(f)).value();
}

} // namespace

TEST_CASE("cni_key agrees with a tuple of strings", "[pod_key][property]") {
    rc::prop("accessors return the fields", [] {
        const fields f = *key_fields();
        const cni_key k = make(f);
        RC_ASSERT(std::string(k.network_name()) == std::get<0>(f));
        RC_ASSERT(std::string(k.container_id()) == std::get<1>(f));
        RC_ASSERT(std::string(k.ifname()) == std::get<2>(f));
    });
    rc::prop("equality, ordering and hash follow the fields", [] {
        const fields a = *key_fields();
        // Half the time b is a with one field changed by a byte, so near misses are common.
        fields b = *rc::gen::oneOf(rc::gen::just(a), key_fields());
        if (*rc::gen::arbitrary<bool>()) {
            std::string& s = std::get<1>(b);
            if (s.size() < cni_key::max_container_id) s.push_back('\0');  // a trailing NUL differs
        }
        const cni_key ka = make(a), kb = make(b);
        RC_ASSERT((ka == kb) == (a == b));
        RC_ASSERT((ka <=> kb) == (a <=> b));
        if (a == b) RC_ASSERT(ka.hash() == kb.hash());
        RC_ASSERT(hash_value(ka) == static_cast<std::size_t>(ka.hash()));
        RC_ASSERT(cni_key_hash{}(ka) == static_cast<std::size_t>(ka.hash()));
        const cni_key copy = ka;
        RC_ASSERT(copy == ka);
        RC_ASSERT(copy.hash() == ka.hash());
    });
}

TEST_CASE("cni_key: the default key is the key of three empty fields", "[pod_key]") {
    CHECK(cni_key{} == cni_key::make("", "", "").value());
    CHECK(cni_key{}.hash() == cni_key::make("", "", "").value().hash());
    // The network name is part of the key and of its hash.
    const auto a = cni_key::make("aws-cni", "c1", "eth0").value();
    const auto b = cni_key::make("multus", "c1", "eth0").value();
    CHECK(a != b);
    CHECK(a.hash() != b.hash());
}
