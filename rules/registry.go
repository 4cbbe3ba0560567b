package rules

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// All returns every rule, sorted by ID.
func All() []*Rule { return all() }

var all = sync.OnceValue(func() []*Rule {
	var out []*Rule
	for _, family := range [][]*Rule{
		resourceRules,
		probeRules,
		securityRules,
		hostRules,
		imageRules,
		secretRules,
		yamlRules,
		helmRules,
		helmSchemaRules,
		referenceRules,
		rbacRules,
		networkingRules,
		availabilityRules,
	} {
		out = append(out, family...)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
})

// ByID finds a rule.
func ByID(id string) (*Rule, bool) {
	for _, r := range All() {
		if r.ID == id {
			return r, true
		}
	}
	return nil, false
}

// Select returns the rules that run: every non-optional rule plus those in
// enable, minus those in disable. Unknown IDs are an error.
func Select(enable, disable []string) ([]*Rule, error) {
	on := map[string]bool{}
	for _, r := range All() {
		on[r.ID] = !r.Optional
	}
	var unknown []string
	for _, id := range enable {
		if _, ok := on[id]; !ok {
			unknown = append(unknown, id)
		}
		on[id] = true
	}
	for _, id := range disable {
		if _, ok := on[id]; !ok {
			unknown = append(unknown, id)
		}
		on[id] = false
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown rule %s (see `kready rules`)", strings.Join(unknown, ", "))
	}
	var out []*Rule
	for _, r := range All() {
		if on[r.ID] {
			out = append(out, r)
		}
	}
	return out, nil
}
