package rules

var hostRules = []*Rule{}
