#include "jsonschema.h"

#include <QJsonArray>
#include <QRegularExpression>
#include <QSet>

#include <cmath>

using namespace Qt::StringLiterals;

namespace cortado::jsonschema {

namespace {

const QSet<QString> &typeNames()
{
    static const QSet<QString> names{u"object"_s, u"array"_s,   u"string"_s, u"number"_s,
                                     u"integer"_s, u"boolean"_s, u"null"_s};
    return names;
}

QString at(const QString &pointer, const QString &message)
{
    return (pointer.isEmpty() ? u"/"_s : pointer) + u": "_s + message;
}

// RFC 6901: "~" and "/" in a key are escaped in a pointer.
QString child(const QString &pointer, const QString &key)
{
    QString escaped = key;
    escaped.replace(u'~', u"~0"_s).replace(u'/', u"~1"_s);
    return pointer + u'/' + escaped;
}

bool isNonNegativeInteger(const QJsonValue &value)
{
    return value.isDouble() && value.toDouble() >= 0 && std::floor(value.toDouble()) == value.toDouble();
}

QString checkSchemaAt(const QJsonObject &schema, const QString &pointer, int depth)
{
    if (depth > MaxDepth)
        return at(pointer, u"schemas nest deeper than %1 levels"_s.arg(MaxDepth));
    static const QSet<QString> annotations{u"title"_s, u"description"_s, u"examples"_s,
                                           u"default"_s, u"$schema"_s, u"$comment"_s};
    for (auto it = schema.begin(); it != schema.end(); ++it) {
        const QString &key = it.key();
        const QJsonValue &value = *it;
        const QString here = child(pointer, key);
        if (annotations.contains(key))
            continue;
        if (key == "type"_L1) {
            const QJsonArray names = value.isArray() ? value.toArray() : QJsonArray{value};
            if (names.isEmpty())
                return at(here, u"lists no type"_s);
            for (const QJsonValue &name : names) {
                if (!typeNames().contains(name.toString()))
                    return at(here, u"\"%1\" is not a JSON type"_s.arg(name.toVariant().toString()));
            }
        } else if (key == "enum"_L1) {
            if (!value.isArray() || value.toArray().isEmpty())
                return at(here, u"must be a non-empty array"_s);
        } else if (key == "const"_L1) {
            // any value
        } else if (key == "properties"_L1) {
            if (!value.isObject())
                return at(here, u"must be an object of schemas"_s);
            const QJsonObject properties = value.toObject();
            for (auto property = properties.begin(); property != properties.end(); ++property) {
                if (!property->isObject())
                    return at(child(here, property.key()), u"must be a schema (an object)"_s);
                if (QString problem = checkSchemaAt(property->toObject(), child(here, property.key()), depth + 1);
                    !problem.isEmpty())
                    return problem;
            }
        } else if (key == "required"_L1) {
            if (!value.isArray())
                return at(here, u"must be an array of property names"_s);
            for (const QJsonValue &name : value.toArray()) {
                if (!name.isString())
                    return at(here, u"must be an array of property names"_s);
            }
        } else if (key == "additionalProperties"_L1) {
            if (!value.isBool())
                return at(here, u"only true or false are supported"_s);
        } else if (key == "items"_L1) {
            if (!value.isObject())
                return at(here, u"must be one schema (an object)"_s);
            if (QString problem = checkSchemaAt(value.toObject(), here, depth + 1); !problem.isEmpty())
                return problem;
        } else if (key == "minItems"_L1 || key == "maxItems"_L1 || key == "minLength"_L1
                   || key == "maxLength"_L1) {
            if (!isNonNegativeInteger(value))
                return at(here, u"must be a non-negative integer"_s);
        } else if (key == "minimum"_L1 || key == "maximum"_L1) {
            if (!value.isDouble())
                return at(here, u"must be a number"_s);
        } else if (key == "pattern"_L1) {
            if (!value.isString() || !QRegularExpression(value.toString()).isValid())
                return at(here, u"must be a valid regular expression"_s);
        } else {
            return at(pointer, u"unsupported keyword \"%1\""_s.arg(key));
        }
    }
    return {};
}

bool hasType(const QJsonValue &value, const QString &type)
{
    if (type == "object"_L1)
        return value.isObject();
    if (type == "array"_L1)
        return value.isArray();
    if (type == "string"_L1)
        return value.isString();
    if (type == "number"_L1)
        return value.isDouble();
    if (type == "integer"_L1)
        return value.isDouble() && std::floor(value.toDouble()) == value.toDouble();
    if (type == "boolean"_L1)
        return value.isBool();
    if (type == "null"_L1)
        return value.isNull();
    return false;
}

QString validateAt(const QJsonValue &value, const QJsonObject &schema, const QString &pointer, int depth)
{
    if (depth > MaxDepth)
        return at(pointer, u"nested deeper than %1 levels"_s.arg(MaxDepth));
    if (schema.contains("type"_L1)) {
        const QJsonValue type = schema.value("type"_L1);
        const QJsonArray names = type.isArray() ? type.toArray() : QJsonArray{type};
        bool matches = false;
        QStringList expected;
        for (const QJsonValue &name : names) {
            matches = matches || hasType(value, name.toString());
            expected.append(name.toString());
        }
        if (!matches)
            return at(pointer, u"must be %1"_s.arg(expected.join(u" or "_s)));
    }
    if (schema.contains("enum"_L1) && !schema.value("enum"_L1).toArray().contains(value)) {
        const QJsonArray choices = schema.value("enum"_L1).toArray();
        QStringList shown;
        for (const QJsonValue &choice : choices)
            shown.append(choice.isString() ? u'"' + choice.toString() + u'"' : choice.toVariant().toString());
        return at(pointer, u"must be one of %1"_s.arg(shown.join(u", "_s)));
    }
    if (schema.contains("const"_L1) && schema.value("const"_L1) != value)
        return at(pointer, u"must be the constant the schema gives"_s);

    if (value.isObject()) {
        const QJsonObject object = value.toObject();
        for (const QJsonValue &name : schema.value("required"_L1).toArray()) {
            if (!object.contains(name.toString()))
                return at(pointer, u"needs \"%1\""_s.arg(name.toString()));
        }
        const QJsonObject properties = schema.value("properties"_L1).toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (properties.contains(it.key())) {
                if (QString problem = validateAt(*it, properties.value(it.key()).toObject(),
                                                 child(pointer, it.key()), depth + 1);
                    !problem.isEmpty())
                    return problem;
            } else if (schema.value("additionalProperties"_L1) == QJsonValue(false)) {
                return at(pointer, u"\"%1\" is not allowed"_s.arg(it.key()));
            }
        }
    }
    if (value.isArray()) {
        const QJsonArray array = value.toArray();
        if (schema.contains("minItems"_L1) && array.size() < schema.value("minItems"_L1).toInteger())
            return at(pointer, u"needs at least %1 items"_s.arg(schema.value("minItems"_L1).toInteger()));
        if (schema.contains("maxItems"_L1) && array.size() > schema.value("maxItems"_L1).toInteger())
            return at(pointer, u"takes at most %1 items"_s.arg(schema.value("maxItems"_L1).toInteger()));
        if (schema.value("items"_L1).isObject()) {
            const QJsonObject items = schema.value("items"_L1).toObject();
            for (qsizetype i = 0; i < array.size(); ++i) {
                if (QString problem = validateAt(array.at(i), items, pointer + u'/' + QString::number(i), depth + 1);
                    !problem.isEmpty())
                    return problem;
            }
        }
    }
    if (value.isString()) {
        const QString text = value.toString();
        if (schema.contains("minLength"_L1) && text.size() < schema.value("minLength"_L1).toInteger())
            return at(pointer, u"needs at least %1 characters"_s.arg(schema.value("minLength"_L1).toInteger()));
        if (schema.contains("maxLength"_L1) && text.size() > schema.value("maxLength"_L1).toInteger())
            return at(pointer, u"takes at most %1 characters"_s.arg(schema.value("maxLength"_L1).toInteger()));
        if (schema.contains("pattern"_L1)) {
            const QRegularExpression pattern(schema.value("pattern"_L1).toString());
            if (pattern.isValid() && !pattern.match(text).hasMatch())
                return at(pointer, u"must match %1"_s.arg(pattern.pattern()));
        }
    }
    if (value.isDouble()) {
        const double number = value.toDouble();
        if (schema.contains("minimum"_L1) && number < schema.value("minimum"_L1).toDouble())
            return at(pointer, u"must be at least %1"_s.arg(schema.value("minimum"_L1).toDouble()));
        if (schema.contains("maximum"_L1) && number > schema.value("maximum"_L1).toDouble())
            return at(pointer, u"must be at most %1"_s.arg(schema.value("maximum"_L1).toDouble()));
    }
    return {};
}

} // namespace

QString checkSchema(const QJsonObject &schema)
{
    return checkSchemaAt(schema, {}, 0);
}

QString validate(const QJsonValue &value, const QJsonObject &schema)
{
    return validateAt(value, schema, {}, 0);
}

} // namespace cortado::jsonschema
