package rules

var imageRules = []*Rule{}
