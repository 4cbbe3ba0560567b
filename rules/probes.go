package rules

var probeRules = []*Rule{}
