// Package freshservicetest is an in-memory Freshservice v2 emulator served as an http.Handler, built to the
// behaviour fsscim relies on: wrapped objects, null blanks, validation and duplicate errors, one user
// table shared by requesters and agents, paging with Link headers, per-minute rate budgets, and faults
// (errors, latency, dropped connections, lost answers) injected on demand.
//
// Choices where Freshservice's behaviour is not documented:
//   - Requester endpoints answer 404 for an agent id and agent endpoints 404 for a requester id.
//   - DELETE on an already deactivated user succeeds again (idempotent); updating a deactivated user is
//     allowed.
//   - Reactivation clears department_ids, reporting_manager_id and location_id only when the user was
//     inactive (unless Options.KeepOnReactivate).
//   - Requester group members: an unknown user id answers 404 {}; an agent, a deactivated requester or
//     a user already in the group answers 400 (codes invalid_value / duplicate_value); removing a
//     non-member answers 404 {}.
//   - Names of departments, locations and both kinds of group are unique (case-insensitive): 409
//     duplicate_value on field "name".
//   - A secondary email equal to the user's own primary email is 400 invalid_value.
//   - Deactivating an agent keeps its agent-group memberships; converting an agent to a requester and
//     forgetting a user remove them.
//   - With no rate limit set, the rate headers report a large fixed total that never decreases. A 429
//     (budget spent) is not counted; every other answer, 4xx included, is.
//   - The account has the default roles Account Admin and Admin (admin roles) and SD Agent (an agent
//     role); AddRole adds others. A key has admin rights while the agent owning it holds an admin
//     role. GET /agents/me answers that agent.
//   - A non-admin key may read requesters, departments, locations, groups and requester fields and
//     write requesters; everything about agents (except /agents/me), roles, agent fields,
//     include_agents=true, convert_to_agent and every group, department and location write answers 403.
//   - Both field lists hold a few built-in fields and every Options.CustomFields entry.
//   - time_zone stays null until set (the account default is unknown); language defaults to "en" and
//     time_format to "12h".
//   - Unknown query parameters are refused (400 invalid_field), as is a present but empty filter.
//   - Filter queries (?query=) find deactivated users too; on /requesters they find agents only with
//     include_agents=true; per_page is ignored (30 a page). Fields outside the documented list answer
//     400 [:invalid_field] naming the field.
package freshservicetest
