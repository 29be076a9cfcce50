package scimfilter

import (
	"fmt"
	"strings"
)

// Type is an attribute's data type (RFC 7643 §2.3).
type Type uint8

// The data types.
const (
	TypeString Type = iota + 1
	TypeBoolean
	TypeDecimal
	TypeInteger
	TypeDateTime
	TypeBinary
	TypeReference
	TypeComplex
)

// TypeNamed maps RFC 7643's type names ("string", "dateTime", ...) to a Type; unknown names are
// strings.
func TypeNamed(name string) Type {
	switch strings.ToLower(name) {
	case "boolean":
		return TypeBoolean
	case "decimal":
		return TypeDecimal
	case "integer":
		return TypeInteger
	case "datetime":
		return TypeDateTime
	case "binary":
		return TypeBinary
	case "reference":
		return TypeReference
	case "complex":
		return TypeComplex
	}
	return TypeString
}

// Attribute is one attribute a server holds and lets clients filter on.
type Attribute struct {
	Name        string
	Type        Type
	CaseExact   bool
	MultiValued bool
	// Sub are a complex attribute's sub-attributes; a Resource numbers them by their position here.
	Sub []Attribute
	// Slot is the number a Resource answers this (top-level) attribute under.
	Slot int
}

// subNamed finds a sub-attribute ignoring case.
func (a *Attribute) subNamed(name string) (int, bool) {
	for i := range a.Sub {
		if strings.EqualFold(a.Sub[i].Name, name) {
			return i, true
		}
	}
	return -1, false
}

// Schema is a schema's held attributes under its URN.
type Schema struct {
	URN        string
	Attributes []Attribute
}

// Catalog is what a resource type lets clients filter on: the attributes of its core schema (which
// unqualified names refer to first) and of its extensions.
type Catalog struct {
	schemas []Schema // the core schema first
}

// NewCatalog returns the catalog of core and its extensions.
func NewCatalog(core Schema, extensions ...Schema) *Catalog {
	return &Catalog{schemas: append([]Schema{core}, extensions...)}
}

// resolved is an attribute path resolved against a catalog: its attribute and, for a complex one,
// the sub-attribute (-1 for none).
type resolved struct {
	attr *Attribute
	sub  int
}

// subAttr is the sub-attribute resolved, or nil.
func (r resolved) subAttr() *Attribute {
	if r.sub < 0 {
		return nil
	}
	return &r.attr.Sub[r.sub]
}

// resolve finds a path's attribute: in the schema its URN names, else the core schema, else the one
// extension that has it.
func (c *Catalog) resolve(p Path) (resolved, error) {
	var attr *Attribute
	if p.URN != "" {
		var sch *Schema
		for i := range c.schemas {
			if strings.EqualFold(c.schemas[i].URN, p.URN) {
				sch = &c.schemas[i]
				break
			}
		}
		if sch == nil {
			return resolved{}, &Error{Part: p.String(), Reason: "names a schema this resource type does not have"}
		}
		attr = findAttr(sch, p.Name)
	} else {
		for i := range c.schemas {
			if attr = findAttr(&c.schemas[i], p.Name); attr != nil {
				break
			}
		}
	}
	if attr == nil {
		return resolved{}, &Error{Part: p.String(), Reason: "is not an attribute fsscim can filter on (" + c.describe() + ")"}
	}
	r := resolved{attr: attr, sub: -1}
	if p.Sub != "" {
		if attr.Type != TypeComplex {
			return resolved{}, &Error{Part: p.String(), Reason: fmt.Sprintf("%s has no sub-attributes", attr.Name)}
		}
		i, ok := attr.subNamed(p.Sub)
		if !ok {
			return resolved{}, &Error{Part: p.String(), Reason: fmt.Sprintf("is not a sub-attribute of %s fsscim can filter on", attr.Name)}
		}
		r.sub = i
	}
	return r, nil
}

func findAttr(s *Schema, name string) *Attribute {
	for i := range s.Attributes {
		if strings.EqualFold(s.Attributes[i].Name, name) {
			return &s.Attributes[i]
		}
	}
	return nil
}

// describe lists the catalog's attributes for an error message, as short names (extensions'
// attributes without their URN).
func (c *Catalog) describe() string {
	var names []string
	for _, s := range c.schemas {
		for _, a := range s.Attributes {
			if a.Type == TypeComplex {
				for _, sub := range a.Sub {
					names = append(names, a.Name+"."+sub.Name)
				}
				continue
			}
			names = append(names, a.Name)
		}
	}
	return strings.Join(names, ", ")
}
