package rules

var securityRules = []*Rule{}
