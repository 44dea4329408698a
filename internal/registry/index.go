package registry

// Index is the in-memory search index. (Placeholder: being written.)
type Index struct{}

// NewIndex returns an empty index.
func NewIndex() *Index { return &Index{} }
