#include "routepath.h"

#include <QSet>
#include <QUrl>

using namespace Qt::StringLiterals;

namespace cortado {

static bool isSegmentChar(QChar c)
{
    return (c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
            || c == u'-' || c == u'_' || c == u'.';
}

static bool isIdentifier(QStringView name)
{
    if (name.isEmpty() || name.front().isDigit())
        return false;
    for (QChar c : name) {
        if (!((c >= u'a' && c <= u'z') || (c >= u'A' && c <= u'Z') || (c >= u'0' && c <= u'9')
              || c == u'_'))
            return false;
    }
    return true;
}

std::optional<RoutePath> RoutePath::fromFile(const QString &relativeFile, QString *error)
{
    auto fail = [&](const QString &why) -> std::optional<RoutePath> {
        if (error)
            *error = u"route file \"%1\": %2"_s.arg(relativeFile, why);
        return std::nullopt;
    };

    if (!relativeFile.endsWith(".cpp"_L1))
        return fail(u"route files end in .cpp"_s);
    QString stem = relativeFile.chopped(4);
    RoutePath route;
    route.m_file = relativeFile;
    if (stem.endsWith(".ws"_L1)) {
        route.m_kind = Kind::WebSocket;
        stem.chop(3);
    }

    QStringList parts = stem.split(u'/');
    if (parts.last() == "index"_L1)
        parts.removeLast();
    QSet<QString> parameterNames;
    for (const QString &part : std::as_const(parts)) {
        if (part.isEmpty())
            return fail(u"empty path segment"_s);
        if (part.startsWith(u'[') || part.endsWith(u']')) {
            const QStringView name = QStringView(part).sliced(1).chopped(1);
            if (!part.startsWith(u'[') || !part.endsWith(u']') || !isIdentifier(name))
                return fail(u"a parameter segment is [name], with a C-like identifier inside"_s);
            if (parameterNames.contains(name.toString()))
                return fail(u"parameter [%1] appears twice"_s.arg(name));
            parameterNames.insert(name.toString());
            route.m_segments.append({name.toString(), true});
            continue;
        }
        if (!std::all_of(part.cbegin(), part.cend(), isSegmentChar))
            return fail(u"segment \"%1\" may only use letters, digits, '-', '_' and '.'"_s.arg(part));
        route.m_segments.append({part, false});
    }
    return route;
}

QString RoutePath::pattern() const
{
    if (m_segments.isEmpty())
        return u"/"_s;
    QString result;
    for (const Segment &segment : m_segments)
        result += segment.isParameter ? u"/<"_s + segment.text + u'>' : u'/' + segment.text;
    return result;
}

QStringList RoutePath::parameterNames() const
{
    QStringList names;
    for (const Segment &segment : m_segments) {
        if (segment.isParameter)
            names.append(segment.text);
    }
    return names;
}

std::optional<QHash<QString, QString>> RoutePath::match(const QStringList &segments) const
{
    if (segments.size() != m_segments.size())
        return std::nullopt;
    QHash<QString, QString> parameters;
    for (qsizetype i = 0; i < segments.size(); ++i) {
        const Segment &segment = m_segments.at(i);
        if (segment.isParameter)
            parameters.insert(segment.text, segments.at(i));
        else if (segment.text != segments.at(i))
            return std::nullopt;
    }
    return parameters;
}

bool RoutePath::isMoreSpecificThan(const RoutePath &other) const
{
    const qsizetype common = std::min(m_segments.size(), other.m_segments.size());
    for (qsizetype i = 0; i < common; ++i) {
        const bool mine = m_segments.at(i).isParameter;
        const bool theirs = other.m_segments.at(i).isParameter;
        if (mine != theirs)
            return !mine;
    }
    return false;
}

std::optional<QStringList> RoutePath::splitRequestPath(const QString &encodedPath)
{
    if (!encodedPath.startsWith(u'/'))
        return std::nullopt;
    QStringView rest = QStringView(encodedPath).sliced(1);
    if (rest.endsWith(u'/'))
        rest.chop(1); // "/api/rooms/" is "/api/rooms"
    QStringList segments;
    if (rest.isEmpty())
        return segments;
    for (QStringView raw : rest.split(u'/')) {
        if (raw.isEmpty())
            return std::nullopt;
        const QByteArray bytes = raw.toUtf8();
        const QByteArray decoded = QByteArray::fromPercentEncoding(bytes);
        const QString text = QString::fromUtf8(decoded);
        if (text.isEmpty() || text.toUtf8() != decoded) // invalid UTF-8 after decoding
            return std::nullopt;
        segments.append(text);
    }
    return segments;
}

} // namespace cortado
