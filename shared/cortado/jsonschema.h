// A small, documented subset of JSON Schema (draft 4 / 2020-12 agree on it) for the event catalog:
// the server checks the schemas route files give to describe() at start-up, and the console's
// playground checks a payload against one before sending it. One implementation for both, so an
// example the server accepted is one the console accepts. QtCore only.
//
// Supported keywords (docs/admin.md, "Event catalog"):
//   type (a name or an array of names: object, array, string, number, integer, boolean, null),
//   enum, const, properties, required, additionalProperties (a boolean), items (one schema),
//   minItems, maxItems, minLength, maxLength, pattern, minimum, maximum;
//   annotations that change nothing: title, description, examples, default, $schema, $comment.
// Anything else ($ref, oneOf, format, ...) makes checkSchema() fail: a keyword silently ignored
// would let a payload through that its author meant to refuse.
#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>

namespace cortado::jsonschema {

// Bounds on what is checked, so a hostile or runaway schema cannot take the console down.
inline constexpr int MaxDepth = 32; // nesting of schemas (properties / items)

// Empty when `schema` uses only the supported keywords with well-formed values; otherwise what is
// wrong and where, e.g. "/properties/text: unsupported keyword \"format\"".
QString checkSchema(const QJsonObject &schema);

// Empty when `value` matches `schema`; otherwise the first mismatch with its JSON Pointer, e.g.
// "/text: must be a string". An empty schema accepts everything. Call checkSchema() first: this
// ignores keywords it does not know.
QString validate(const QJsonValue &value, const QJsonObject &schema);

} // namespace cortado::jsonschema
