// Tests of the CNI environment reader: which variables each command needs, CNI_ARGS,
// and the validation of container ids and interface names.
#include <enipool/json/cni_env.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <string>

using enipool::errc;
namespace cni = enipool::cni;

namespace {

using env_map = std::map<std::string, std::string>;

enipool::result<cni::environment> read(const env_map& vars) {
    return cni::read_environment([&](const char* name) -> const char* {
        const auto it = vars.find(name);
        return it == vars.end() ? nullptr : it->second.c_str();
    });
}

env_map add_env() {
    return {{"CNI_COMMAND", "ADD"},
            {"CNI_CONTAINERID", "abc123"},
            {"CNI_NETNS", "/var/run/netns/ctr"},
            {"CNI_IFNAME", "eth0"},
            {"CNI_PATH", "/usr/lib/cni:/opt/cni/bin"},
            {"CNI_ARGS", "IgnoreUnknown=1;K8S_POD_NAMESPACE=default;K8S_POD_NAME=web-0"}};
}

void require_rejected(const env_map& vars, const std::string& needle) {
    auto r = read(vars);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().code() == errc::invalid_cni_environment);
    CHECK_THAT(r.error().detail(), Catch::Contains(needle));
}

} // namespace

TEST_CASE("cni env: a complete ADD environment") {
    auto r = read(add_env());
    REQUIRE(r.has_value());
    CHECK(r->command == cni::command::add);
    CHECK(r->container_id == "abc123");
    CHECK(r->netns == "/var/run/netns/ctr");
    CHECK(r->ifname == "eth0");
    CHECK(r->path == std::vector<std::string>{"/usr/lib/cni", "/opt/cni/bin"});
    CHECK(r->k8s_pod_namespace == "default");
    CHECK(r->k8s_pod_name == "web-0");
    REQUIRE(r->args.size() == 3);
    CHECK(r->args[0] == std::pair<std::string, std::string>{"IgnoreUnknown", "1"});
}

TEST_CASE("cni env: commands and what each requires") {
    CHECK(read({{"CNI_COMMAND", "VERSION"}})->command == cni::command::version);
    auto env = add_env();
    env["CNI_COMMAND"] = "CHECK";
    CHECK(read(env)->command == cni::command::check);
    env["CNI_COMMAND"] = "DEL";
    env.erase("CNI_NETNS"); // DEL may come after the namespace is gone
    auto del = read(env);
    REQUIRE(del.has_value());
    CHECK(del->command == cni::command::del);
    CHECK(del->netns.empty());

    require_rejected({}, "CNI_COMMAND: is not set");
    require_rejected({{"CNI_COMMAND", "add"}}, "CNI_COMMAND: 'add' is not ADD, DEL, CHECK or VERSION");
    for (const char* var : {"CNI_CONTAINERID", "CNI_IFNAME", "CNI_NETNS", "CNI_PATH"}) {
        auto missing = add_env();
        missing.erase(var);
        require_rejected(missing, std::string(var) + ": is not set");
    }
    auto check_without_netns = add_env();
    check_without_netns["CNI_COMMAND"] = "CHECK";
    check_without_netns.erase("CNI_NETNS");
    require_rejected(check_without_netns, "CNI_NETNS");
}

TEST_CASE("cni env: container ids and interface names are validated") {
    auto env = add_env();
    env["CNI_CONTAINERID"] = "-abc";
    require_rejected(env, "CNI_CONTAINERID: '-abc'");
    env["CNI_CONTAINERID"] = "a/b";
    require_rejected(env, "CNI_CONTAINERID: 'a/b'");
    env["CNI_CONTAINERID"] = "a_b.c-d9";
    CHECK(read(env).has_value());

    env["CNI_IFNAME"] = "";
    require_rejected(env, "CNI_IFNAME: '' is empty");
    env["CNI_IFNAME"] = "averyveryverylong"; // 17 characters
    require_rejected(env, "longer than 15");
    env["CNI_IFNAME"] = "eth0:1";
    require_rejected(env, "must not contain");
    env["CNI_IFNAME"] = "..";
    require_rejected(env, "must not be '.' or '..'");
    env["CNI_IFNAME"] = "fifteen_chars_x"; // exactly 15
    CHECK(read(env).has_value());
}

TEST_CASE("cni env: CNI_ARGS") {
    auto pairs = cni::parse_cni_args("A=1;;B=x=y;C=");
    REQUIRE(pairs.has_value());
    // Empty items are skipped; the value is everything after the first '='.
    CHECK(*pairs == std::vector<std::pair<std::string, std::string>>{{"A", "1"}, {"B", "x=y"}, {"C", ""}});
    CHECK(cni::parse_cni_args("")->empty());
    auto bad = cni::parse_cni_args("A=1;junk");
    REQUIRE_FALSE(bad.has_value());
    CHECK_THAT(bad.error().detail(), Catch::Contains("CNI_ARGS: 'junk' is not KEY=VALUE"));
    CHECK_FALSE(cni::parse_cni_args("=v").has_value());

    auto env = add_env();
    env["CNI_ARGS"] = "K8S_POD_NAME=only-name";
    auto r = read(env);
    REQUIRE(r.has_value());
    CHECK(r->k8s_pod_name == "only-name");
    CHECK(r->k8s_pod_namespace.empty());
    env["CNI_ARGS"] = "broken";
    require_rejected(env, "CNI_ARGS");
}

TEST_CASE("cni env: hostile CNI_ARGS and long values are CNI errors, never taken silently") {
    auto env = add_env();
    // Separators other than ';' leave one pair whose value is not a pod name.
    for (const char* args : {"K8S_POD_NAME=a,K8S_POD_NAMESPACE=b", "K8S_POD_NAME=a K8S_POD_NAMESPACE=b",
                             "K8S_POD_NAME=a&K8S_POD_NAMESPACE=b"}) {
        env["CNI_ARGS"] = args;
        require_rejected(env, "CNI_ARGS: K8S_POD_NAME 'a");
    }
    env["CNI_ARGS"] = "K8S_POD_NAME=a\nK8S_POD_NAMESPACE=b";
    require_rejected(env, "CNI_ARGS: the value of K8S_POD_NAME has a control character: 'a\\x0aK8S_POD_NAMESPACE=b'");
    env["CNI_ARGS"] = "K8S_POD_NAME=a;K8S_POD_NAME=b";
    require_rejected(env, "CNI_ARGS: K8S_POD_NAME is given twice");
    env["CNI_ARGS"] = "K8S POD=a";
    require_rejected(env, "CNI_ARGS: key 'K8S POD' is not letters, digits, '_' and '-'");
    env["CNI_ARGS"] = "K8S_POD_NAMESPACE=Default";
    require_rejected(env, "K8S_POD_NAMESPACE 'Default' is not a Kubernetes name");
    env["CNI_ARGS"] = "K8S_POD_NAMESPACE=" + std::string(64, 'n'); // a label is at most 63
    require_rejected(env, "is not a Kubernetes name");
    env["CNI_ARGS"] = "K8S_POD_NAME=" + std::string(254, 'p'); // a subdomain is at most 253
    require_rejected(env, "is not a Kubernetes name");
    env["CNI_ARGS"] = "K8S_POD_NAMESPACE=" + std::string(63, 'n') + ";K8S_POD_NAME=web-0.x";
    auto ok = read(env);
    REQUIRE(ok.has_value());
    CHECK(ok->k8s_pod_name == "web-0.x");

    // A very long value is refused with the first 64 bytes shown, not the whole value.
    env = add_env();
    env["CNI_IFNAME"] = std::string(100000, 'e');
    auto r = read(env);
    REQUIRE_FALSE(r.has_value());
    CHECK_THAT(r.error().detail(), Catch::Contains("CNI_IFNAME: '" + std::string(64, 'e') + "...' is longer than 15"));
    CHECK(r.error().detail().size() < 200);
    env["CNI_IFNAME"] = "sixteen_chars_xy"; // one byte over Linux's IFNAMSIZ - 1
    require_rejected(env, "CNI_IFNAME: 'sixteen_chars_xy' is longer than 15");
    env["CNI_IFNAME"] = "eth0";
    env["CNI_ARGS"] = "X=" + std::string(100000, 'v');
    CHECK(read(env).has_value()); // any other key's value is passed through, as the spec says
}
