package rules

var helmSchemaRules = []*Rule{}
