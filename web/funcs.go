package web

import (
	"errors"
	"html/template"
)

// Funcs are the helper functions the templates use. The server and the
// template tests parse with the same map.
var Funcs = template.FuncMap{
	// dict builds a map from alternating keys and values, to pass several
	// values to a shared template block.
	"dict": func(kv ...any) (map[string]any, error) {
		if len(kv)%2 != 0 {
			return nil, errors.New("web: dict needs key/value pairs")
		}
		m := make(map[string]any, len(kv)/2)
		for i := 0; i < len(kv); i += 2 {
			k, ok := kv[i].(string)
			if !ok {
				return nil, errors.New("web: dict keys must be strings")
			}
			m[k] = kv[i+1]
		}
		return m, nil
	},
	"add":    func(a, b int) int { return a + b },
	"mul100": func(f float64) float64 { return f * 100 },
}
