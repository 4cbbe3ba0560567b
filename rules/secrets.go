package rules

var secretRules = []*Rule{}
