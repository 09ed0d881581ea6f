package fake

var defaultDescribeInstanceTypesOutput = &ec2.DescribeInstanceTypesOutput{
	InstanceTypes: []ec2types.InstanceTypeInfo{
		{
			InstanceType:                  "x1.metal",
			VCpuInfo: &ec2types.VCpuInfo{
				DefaultCores: aws.Int32(48),
				DefaultVCpus: aws.Int32(96),
			},
			NetworkInfo: &ec2types.NetworkInfo{
				EfaInfo: &ec2types.EfaInfo{
					MaximumEfaInterfaces: aws.Int32(1),
				},
			},
		},
	},
}

var defaultDescribeInstanceTypeOfferingsOutput = &ec2.DescribeInstanceTypeOfferingsOutput{
	InstanceTypeOfferings: []ec2types.InstanceTypeOffering{
		{
			InstanceType: "x1.large",
		},
	},
}
