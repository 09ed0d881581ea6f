// enipool/error.hpp: the error taxonomy (errc), its std::error_category and result<T>.
//
// Every failure in enipool is a value. `errc` names what a user knows ("the subnet has no
// free aligned /28"), not where the code failed. `error` pairs an errc with an optional
// detail sentence (a parse position, the name of the offending entry); the hot paths never
// fill the detail, so they never allocate. `result<T>` is Boost.System's `result`.
#pragma once

#include <boost/system/result.hpp>
#include <boost/throw_exception.hpp>

#include <fmt/format.h>

#include <ostream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace enipool {

/// Everything enipool reports. Grouped by who a user would blame; values are stable.
enum class errc : int {
    // --- text input: addresses, prefixes, files -----------------------------------------
    invalid_address = 1,        ///< text is not a dotted-quad IPv4 / RFC 4291 IPv6 address
    invalid_prefix,             ///< text is not ADDRESS/LENGTH, or the length is out of range
    prefix_not_aligned,         ///< host bits set where an aligned prefix is required
    malformed_csv,              ///< an instance table row or header is wrong
    malformed_json,             ///< a JSON document is not what it should be
    malformed_config,           ///< a configuration value is wrong (CNI config, CLI flags)
    unsupported_cni_version,    ///< a CNI cniVersion this plugin does not speak
    invalid_cni_environment,    ///< a CNI_* environment variable is missing or malformed

    // --- EC2's errors (as the EC2 API names them) ----------------------------------------
    insufficient_cidr_blocks = 100,   ///< InsufficientCidrBlocks: no free aligned /28
    insufficient_free_addresses,      ///< InsufficientFreeAddressesInSubnet
    private_ip_address_limit_exceeded,///< PrivateIpAddressLimitExceeded: ENI has no slot
    attachment_limit_exceeded,        ///< AttachmentLimitExceeded: no ENI can be attached
    request_limit_exceeded,           ///< RequestLimitExceeded: throttled, retry later
    invalid_parameter_value,          ///< InvalidParameterValue: any other refusal

    // --- the subnet model ----------------------------------------------------------------
    address_not_in_subnet = 200,  ///< address or prefix outside the subnet's CIDR
    address_reserved,             ///< one of EC2's 5 reserved addresses, or explicit reservation
    already_allocated,            ///< address or block already handed out
    not_allocated,                ///< release of something that was never handed out
    reservation_overlap,          ///< CIDR reservation overlaps another or allocations
    unknown_reservation,          ///< unreserve of a CIDR that is not reserved
    unsupported_subnet_size,      ///< subnet outside /16 .. /28

    // --- the node pool (the VPC CNI's datastore texts where users know them) --------------
    no_available_addresses = 300, ///< "no available IP/Prefix addresses"
    unknown_pod,                  ///< "unknown pod"
    duplicate_eni,                ///< "duplicate ENI"
    unknown_eni,                  ///< "unknown ENI"
    address_already_in_datastore, ///< "IP already in data store"
    address_in_use,               ///< "IP is used and can not be deleted"
    eni_in_use,                   ///< "ENI is used and can not be deleted"
    pod_key_conflict,             ///< the key already holds a different address
    eni_limit_reached,            ///< the instance type allows no further ENI
    slot_limit_reached,           ///< the ENI has no free slot for a grant
    max_pods_reached,             ///< the node already runs max-pods pods
    prefix_not_supported,         ///< prefix delegation on a non-Nitro, non-metal type
    conflicting_grant,            ///< EC2's grant overlaps what the pool already holds
    unexpected_outcome,           ///< an outcome for an action that was not planned
    eni_excluded,                 ///< the ENI is trunk / efa-only / excluded from pod IPs
    address_not_in_pool,          ///< the address is on no CIDR (prefix / secondary IP) of the node
    pod_key_too_long,             ///< a pod key field exceeds its fixed capacity
    pool_invariant_broken,        ///< check(): a node pool's or subnet's state contradicts itself

    // --- instance catalogs and calculators ------------------------------------------------
    unknown_instance_type = 400,  ///< not in the catalog
    missing_vcpus,                ///< the calculator needs a vCPU count the catalog lacks
    invalid_instance_limits,      ///< limits that cannot be real (0 slots, > 63 secondaries)
    invalid_max_pods_expression,  ///< a maxPodsExpression outside enipool's integer subset of CEL
    max_pods_expression_failed,   ///< it evaluated to an error, a bool, or a value outside 1..2^31-1

    // --- persistence -----------------------------------------------------------------------
    checkpoint_version = 500,     ///< unknown checkpoint format or version
    checkpoint_invalid,           ///< a checkpoint entry contradicts the pool or itself
    io_error,                     ///< open / write / fsync / rename failed (detail has errno)
    no_space,                     ///< the disk is full
    lock_failed,                  ///< the state lock could not be taken
};

namespace detail {

class enipool_category_impl final : public std::error_category {
public:
    [[nodiscard]] const char* name() const noexcept override { return "enipool"; }

    [[nodiscard]] std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::invalid_address: return "invalid IP address";
        case errc::invalid_prefix: return "invalid CIDR prefix";
        case errc::prefix_not_aligned:
            return "the prefix has host bits set; an aligned prefix is required";
        case errc::malformed_csv: return "malformed instance table (CSV)";
        case errc::malformed_json: return "malformed JSON document";
        case errc::malformed_config: return "invalid configuration";
        case errc::unsupported_cni_version:
            return "the network configuration asks for a CNI version this plugin does not "
                   "support";
        case errc::invalid_cni_environment:
            return "a CNI environment variable (CNI_COMMAND, CNI_CONTAINERID, CNI_IFNAME, ...) "
                   "is missing or invalid";

        case errc::insufficient_cidr_blocks:
            return "The specified subnet does not have enough free cidr blocks to satisfy "
                   "the request (no wholly free aligned /28 is left, though free addresses "
                   "may remain)";
        case errc::insufficient_free_addresses:
            return "the subnet has fewer free addresses than the request needs "
                   "(InsufficientFreeAddressesInSubnet)";
        case errc::private_ip_address_limit_exceeded:
            return "the network interface has no free slot for another address or prefix "
                   "(PrivateIpAddressLimitExceeded)";
        case errc::attachment_limit_exceeded:
            return "the instance cannot attach another network interface "
                   "(AttachmentLimitExceeded)";
        case errc::request_limit_exceeded:
            return "EC2 throttled the request (RequestLimitExceeded); retry later";
        case errc::invalid_parameter_value:
            return "EC2 rejected a parameter of the request (InvalidParameterValue)";

        case errc::address_not_in_subnet: return "the address or prefix is not in the subnet";
        case errc::address_reserved:
            return "the address is reserved (one of EC2's 5 reserved addresses or an "
                   "explicit CIDR reservation)";
        case errc::already_allocated: return "the address or prefix is already allocated";
        case errc::not_allocated: return "the address or prefix is not allocated";
        case errc::reservation_overlap:
            return "the CIDR reservation overlaps another reservation or allocated addresses";
        case errc::unknown_reservation: return "no CIDR reservation with that CIDR exists";
        case errc::unsupported_subnet_size:
            return "a subnet must be between /16 and /28";

        case errc::no_available_addresses: return "no available IP/Prefix addresses";
        case errc::unknown_pod: return "unknown pod";
        case errc::duplicate_eni: return "duplicate ENI";
        case errc::unknown_eni: return "unknown ENI";
        case errc::address_already_in_datastore: return "IP already in data store";
        case errc::address_in_use: return "IP is used and can not be deleted";
        case errc::eni_in_use: return "ENI is used and can not be deleted";
        case errc::pod_key_conflict: return "the pod already holds a different address";
        case errc::eni_limit_reached:
            return "the instance type allows no further network interface";
        case errc::slot_limit_reached:
            return "the network interface has no free slot for the granted capacity";
        case errc::max_pods_reached: return "the node already runs its maximum number of pods";
        case errc::prefix_not_supported:
            return "prefix delegation needs a Nitro or bare-metal instance type; use "
                   "secondary IPs on this type";
        case errc::conflicting_grant:
            return "the granted capacity conflicts with what the pool already holds";
        case errc::unexpected_outcome:
            return "the outcome does not answer an action the pool planned";
        case errc::eni_excluded:
            return "the network interface is not used for pod addresses (trunk, efa-only "
                   "or excluded)";
        case errc::address_not_in_pool:
            return "the address is on none of the node's prefixes or secondary IPs";
        case errc::pod_key_too_long:
            return "a pod key field is too long (network name at most 63, container id at "
                   "most 64, interface name at most 15 characters)";
        case errc::pool_invariant_broken:
            return "internal error: the state of a node pool or subnet contradicts itself (a "
                   "bug in enipool; please report it with the detail)";

        case errc::unknown_instance_type: return "unknown instance type";
        case errc::missing_vcpus:
            return "the calculator needs the instance type's vCPU count, which the catalog "
                   "does not have (give --vcpus or a catalog with a vcpus column)";
        case errc::invalid_instance_limits: return "the instance limits are not valid";
        case errc::invalid_max_pods_expression:
            return "the max-pods expression is not valid (enipool evaluates the integer subset of "
                   "CEL over default_enis, ips_per_eni and max_pods)";
        case errc::max_pods_expression_failed:
            return "the max-pods expression gave no usable pod count (an evaluation error, a bool, "
                   "or a value outside 1..2147483647)";

        case errc::checkpoint_version: return "unsupported checkpoint format or version";
        case errc::checkpoint_invalid: return "the checkpoint is not valid";
        case errc::io_error: return "input/output error";
        case errc::no_space: return "no space left on the device";
        case errc::lock_failed: return "could not take the state lock";
        }
        if (value == 0) return "no error";
        return "unknown enipool error";
    }
};

} // namespace detail

/// The `enipool` error category. Its messages are sentences a user understands.
[[nodiscard]] inline const std::error_category& enipool_category() noexcept {
    static const detail::enipool_category_impl category;
    return category;
}

/// Makes `errc` usable wherever a `std::error_code` is expected.
[[nodiscard]] inline std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), enipool_category()};
}

/// An error value: an `errc` plus an optional detail ("at offset 8: octet exceeds 255").
/// Cheap to copy when the detail is empty (small-string storage, no allocation).
class error {
public:
    /// No error (errc value 0); what `result<T>::error()` returns on success.
    error() noexcept = default;
    error(errc code) noexcept : code_(code) {} // NOLINT: implicit, so `return errc::x;` works
    error(errc code, std::string detail) noexcept : code_(code), detail_(std::move(detail)) {}

    [[nodiscard]] errc code() const noexcept { return code_; }
    [[nodiscard]] std::error_code error_code() const noexcept { return make_error_code(code_); }
    [[nodiscard]] const std::string& detail() const noexcept { return detail_; }

    /// The category's sentence, then the detail when there is one.
    [[nodiscard]] std::string message() const {
        std::string text = make_error_code(code_).message();
        if (!detail_.empty()) {
            text += ": ";
            text += detail_;
        }
        return text;
    }

    friend bool operator==(const error& a, const error& b) noexcept = default;
    friend bool operator==(const error& a, errc b) noexcept { return a.code_ == b; }

    friend std::ostream& operator<<(std::ostream& os, const error& e) { return os << e.message(); }

private:
    errc code_{};
    std::string detail_;
};

/// Thrown only by `result<T>::value()` on an error (never by enipool itself).
class error_exception : public std::system_error {
public:
    explicit error_exception(const error& e)
        : std::system_error(e.error_code(), e.detail()), error_(e) {}
    [[nodiscard]] const enipool::error& get() const noexcept { return error_; }

private:
    enipool::error error_;
};

// Found by ADL from boost::system::result<T, error>::value().
[[noreturn]] inline void throw_exception_from_error(const error& e,
                                                   const boost::source_location& loc) {
    boost::throw_exception(error_exception(e), loc);
}

/// The return type of every public operation that can fail.
template <class T>
using result = boost::system::result<T, error>;

/// `result<void>`'s success value: `return success();`.
[[nodiscard]] inline result<void> success() noexcept { return {}; }

} // namespace enipool

template <>
struct std::is_error_code_enum<enipool::errc> : std::true_type {};

template <>
struct fmt::formatter<enipool::error> : fmt::formatter<std::string_view> {
    template <class FormatContext>
    auto format(const enipool::error& e, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(e.message(), ctx);
    }
};
