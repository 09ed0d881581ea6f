// A fixture in the shape of the VPC CNI's generated table (tests/tools/update_instance_data.sh).
package vpc

var instanceNetworkingLimits = map[string]InstanceTypeLimits{
	"x1.large": {
		ENILimit:                3,
		IPv4Limit:               10,
		DefaultNetworkCardIndex: 0,
		NetworkCards: []NetworkCard{
			{
				MaximumNetworkInterfaces: 3,
				NetworkCardIndex:         0,
			},
		},
		HypervisorType: "nitro",
		IsBareMetal:    false,
	},
	"x1.metal": {
		ENILimit:                2,
		IPv4Limit:               50,
		DefaultNetworkCardIndex: 0,
		NetworkCards: []NetworkCard{
			{
				MaximumNetworkInterfaces: 2,
				NetworkCardIndex:         1,
			},
			{
				MaximumNetworkInterfaces: 2,
				NetworkCardIndex:         0,
			},
		},
		HypervisorType: "",
		IsBareMetal:    true,
	},
	"a0.old": {
		ENILimit:                2,
		IPv4Limit:               4,
		DefaultNetworkCardIndex: 0,
		NetworkCards: []NetworkCard{
			{
				MaximumNetworkInterfaces: 2,
				NetworkCardIndex:         0,
			},
		},
		HypervisorType: "xen",
		IsBareMetal:    false,
	},
}
