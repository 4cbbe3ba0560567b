package manifest

// Location is a place in a file a person can open: 1-based line and column.
// Message says why a related location matters ("value from values.yaml").
type Location struct {
	File    string
	Line    int
	Column  int
	Message string
}

// Locator answers "where must a person edit to change this field?".
// Plain YAML answers from the document's node tree; rendered Helm output and
// Kustomize builds plug in their own Locator (template line plus values line,
// origin file plus patch line). Rules never see which one they are using.
//
// Locate never fails: for a path that does not exist it returns the deepest
// existing ancestor, so every finding has a real line.
type Locator interface {
	Locate(p Path) (primary Location, related []Location)
}
