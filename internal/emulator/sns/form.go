package sns

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// indexed groups the awsQuery members "<prefix>.<N>[.<rest>]" by N, in
// index order, each group holding rest -> values (rest is "" for lists of
// scalars such as TagKeys.member.N). Non-numeric indices are ignored, as
// they name nothing the protocol can send.
func indexed(form url.Values, prefix string) []url.Values {
	groups := map[int]url.Values{}
	p := prefix + "."
	for key, values := range form {
		rest, ok := strings.CutPrefix(key, p)
		if !ok {
			continue
		}
		idx, sub, _ := strings.Cut(rest, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 {
			continue
		}
		g := groups[n]
		if g == nil {
			g = url.Values{}
			groups[n] = g
		}
		g[sub] = values
	}
	order := make([]int, 0, len(groups))
	for n := range groups {
		order = append(order, n)
	}
	sort.Ints(order)
	out := make([]url.Values, len(order))
	for i, n := range order {
		out[i] = groups[n]
	}
	return out
}

// formMap reads a map serialized as <prefix>.entry.N.key / .value.
func formMap(form url.Values, prefix string) map[string]string {
	entries := indexed(form, prefix+".entry")
	if len(entries) == 0 {
		return nil
	}
	m := make(map[string]string, len(entries))
	for _, e := range entries {
		m[e.Get("key")] = e.Get("value")
	}
	return m
}

// formList reads a list of strings serialized as <prefix>.member.N.
func formList(form url.Values, prefix string) []string {
	var out []string
	for _, e := range indexed(form, prefix+".member") {
		out = append(out, e.Get(""))
	}
	return out
}

// has reports whether the form carries the parameter at all (an empty
// value is still a value, e.g. an empty Subject is an error).
func has(form url.Values, key string) bool {
	_, ok := form[key]
	return ok
}
