// Package storetest helps tests damage a store file as a failing disk or a stray write would: it
// fills a store with many records and names the pages of a bbolt file that hold them.
package storetest

import (
	"fmt"
	"time"

	"go.etcd.io/bbolt"
)

// LeafPages lists the pages of the closed bbolt file at path that hold records (its leaf pages),
// reading the file without changing it.
func LeafPages(path string) ([]int, error) {
	db, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, PreLoadFreelist: true, Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer db.Close()
	return LeafPagesOf(db)
}

// LeafPagesOf lists the pages of an open bbolt database that hold records.
func LeafPagesOf(db *bbolt.DB) ([]int, error) {
	var leaves []int
	err := db.View(func(tx *bbolt.Tx) error {
		// Pages 0 and 1 are the meta pages; tx.Page answers nil past the end of the file.
		for id := 2; ; id++ {
			p, err := tx.Page(id)
			if err != nil || p == nil {
				return err
			}
			if p.Type == "leaf" {
				leaves = append(leaves, id)
			}
		}
	})
	return leaves, err
}
