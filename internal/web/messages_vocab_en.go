package web

import "github.com/arogya-health/arogya/internal/india"

// messagesVocabEN are the English labels of the vocabularies pages show
// and the names of the states, made from the registry's vocabularies and
// the LGD's list so that their English words are written once, there.
func messagesVocabEN() catalogue {
	c := catalogue{}
	for _, v := range shownVocabs() {
		for _, t := range v.terms {
			c[v.id(t.Code)] = t.Label
		}
	}
	for _, s := range india.States() {
		c[stateID(s.Code)] = s.Name
	}
	return c
}

func init() { mergeMessages(messagesEN, messagesVocabEN(), "messages_vocab_en.go") }
