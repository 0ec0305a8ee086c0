#pragma once

#include <QDateTime>
#include <QHash>
#include <QJsonObject>
#include <QStringList>

#include <optional>

// The example app's projects: a project has an owner and members; its members may join the
// room "project:<id>". Kept in memory (a database comes with the persistence issue).
struct Project
{
    QString id;
    QString name;
    QString owner;
    QStringList members; // the owner included
    QDateTime createdAt;

    QJsonObject toJson() const;
};

class ProjectStore
{
public:
    Project create(const QString &owner, const QString &name, const QStringList &members);
    std::optional<Project> find(const QString &id) const;
    bool isMember(const QString &id, const QString &userId) const;
    // False when the project does not exist; adding a member twice is harmless.
    bool addMember(const QString &id, const QString &userId);
    QList<Project> projectsOf(const QString &userId) const;

private:
    QHash<QString, Project> m_projects;
    qint64 m_lastId = 0;
};
