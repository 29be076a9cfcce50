package mapping

import (
	"reflect"
	"strings"
)

// Changed returns the fields of set whose values differ between old and new, so that a PATCH that
// re-sends what Freshservice already holds makes no write. userName and the work email compare
// case-insensitively only where Freshservice matches them so; everything else exactly, because Entra
// compares exactly and a case change it sends must reach Freshservice.
func Changed(old, new User, set FieldSet) FieldSet {
	var out FieldSet
	check := func(f Field, same bool) {
		if set.Has(f) && !same {
			out.Add(f)
		}
	}
	check(FieldUserName, old.UserName == new.UserName)
	check(FieldExternalID, old.ExternalID == new.ExternalID)
	check(FieldGivenName, old.GivenName == new.GivenName)
	check(FieldFamilyName, old.FamilyName == new.FamilyName)
	check(FieldFormattedName, old.FormattedName == new.FormattedName)
	check(FieldDisplayName, old.DisplayName == new.DisplayName)
	check(FieldTitle, old.Title == new.Title)
	check(FieldWorkEmail, old.WorkEmail == new.WorkEmail)
	check(FieldWorkPhone, old.WorkPhone == new.WorkPhone)
	check(FieldMobilePhone, old.MobilePhone == new.MobilePhone)
	check(FieldWorkAddress, old.WorkAddress == new.WorkAddress)
	check(FieldTimeZone, old.TimeZone == new.TimeZone)
	check(FieldLocale, old.Locale == new.Locale)
	check(FieldPreferredLanguage, old.PreferredLanguage == new.PreferredLanguage)
	check(FieldActive, old.Active == new.Active)
	check(FieldDepartment, strings.EqualFold(strings.TrimSpace(old.Department), strings.TrimSpace(new.Department)))
	check(FieldManager, old.ManagerID == new.ManagerID)
	check(FieldLocation, strings.EqualFold(strings.TrimSpace(old.Location), strings.TrimSpace(new.Location)))
	// isAgent in another spelling ("True" for "true") changes nothing in Freshservice but what fsscim
	// answers, which the client compares.
	check(FieldIsAgent, boolOf(old.IsAgent) == boolOf(new.IsAgent) && AgentAnswer(old) == AgentAnswer(new))
	check(FieldCustom, reflect.DeepEqual(nonNil(old.Custom), nonNil(new.Custom)))
	check(FieldKept, keptEqual(old.Kept, new.Kept))
	return out
}

func boolOf(b *bool) bool { return b != nil && *b }

func nonNil(m map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	return out
}

// AllUserFields is every mapped field: what a create or a PUT (full replace) writes.
const AllUserFields = FieldSet(FieldUserName | FieldExternalID | FieldGivenName | FieldFamilyName |
	FieldDisplayName | FieldTitle | FieldWorkEmail | FieldWorkPhone | FieldMobilePhone | FieldWorkAddress |
	FieldTimeZone | FieldLocale | FieldPreferredLanguage | FieldActive | FieldDepartment | FieldManager |
	FieldLocation | FieldIsAgent | FieldCustom | FieldFormattedName | FieldKept)
