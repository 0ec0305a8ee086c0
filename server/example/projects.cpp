#include "projects.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

QJsonObject Project::toJson() const
{
    return QJsonObject{{u"id"_s, id},
                       {u"name"_s, name},
                       {u"owner"_s, owner},
                       {u"members"_s, QJsonArray::fromStringList(members)},
                       {u"room"_s, u"project:"_s + id},
                       {u"createdAt"_s, createdAt.toString(Qt::ISODateWithMs)}};
}

Project ProjectStore::create(const QString &owner, const QString &name, const QStringList &members)
{
    Project project{QString::number(++m_lastId), name, owner, {owner}, QDateTime::currentDateTimeUtc()};
    for (const QString &member : members) {
        if (!member.isEmpty() && !project.members.contains(member))
            project.members.append(member);
    }
    m_projects.insert(project.id, project);
    return project;
}

std::optional<Project> ProjectStore::find(const QString &id) const
{
    const auto it = m_projects.constFind(id);
    return it == m_projects.cend() ? std::nullopt : std::optional<Project>(*it);
}

bool ProjectStore::isMember(const QString &id, const QString &userId) const
{
    const auto it = m_projects.constFind(id);
    return it != m_projects.cend() && it->members.contains(userId);
}

bool ProjectStore::addMember(const QString &id, const QString &userId)
{
    const auto it = m_projects.find(id);
    if (it == m_projects.end())
        return false;
    if (!it->members.contains(userId))
        it->members.append(userId);
    return true;
}

QList<Project> ProjectStore::projectsOf(const QString &userId) const
{
    QList<Project> result;
    for (const Project &project : m_projects) {
        if (project.members.contains(userId))
            result.append(project);
    }
    std::sort(result.begin(), result.end(),
              [](const Project &a, const Project &b) { return a.id.toLongLong() < b.id.toLongLong(); });
    return result;
}
