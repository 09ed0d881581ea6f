package aws

var InstanceTypes = map[string]*InstanceType{
	"x1.large": {
		InstanceType: "x1.large",
		VCPU:         2,
		MemoryMb:     8192,
		GPU:          0,
		Architecture: "amd64",
	},
}
