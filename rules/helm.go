package rules

var helmRules = []*Rule{}
