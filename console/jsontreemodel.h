#pragma once

#include <QAbstractItemModel>
#include <QJsonValue>

#include <memory>
#include <vector>

// A JSON value as a tree for a QML TreeView: the Traffic page's collapsible payload. Each row is a
// key (or array index) and either a value or, for objects and arrays, a summary ("{3 keys}",
// "[5 items]") with the members below it. Built once per `json` (a payload of the traffic log).
class JsonTreeModel : public QAbstractItemModel
{
    Q_OBJECT
    Q_PROPERTY(QString json READ json WRITE setJson NOTIFY jsonChanged)
    Q_PROPERTY(bool valid READ valid NOTIFY jsonChanged)

public:
    enum Role { KeyRole = Qt::UserRole + 1, ValueRole, KindRole };
    Q_ENUM(Role)
    static constexpr int MaxNodes = 10'000; // a huge payload shows its first nodes, then "…"

    explicit JsonTreeModel(QObject *parent = nullptr);
    ~JsonTreeModel() override;

    QString json() const { return m_json; }
    void setJson(const QString &json);
    bool valid() const { return m_valid; }

    QModelIndex index(int row, int column, const QModelIndex &parent = {}) const override;
    QModelIndex parent(const QModelIndex &child) const override;
    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override { Q_UNUSED(parent); return 1; }
    QVariant data(const QModelIndex &index, int role) const override;
    QHash<int, QByteArray> roleNames() const override;

Q_SIGNALS:
    void jsonChanged();

private:
    struct Node
    {
        QString key, value, kind; // kind: object, array, string, number, bool, null, more
        Node *parent = nullptr;
        int row = 0;
        std::vector<std::unique_ptr<Node>> children;
    };
    void build(Node &node, const QJsonValue &value, int &budget);
    const Node *nodeOf(const QModelIndex &index) const;

    QString m_json;
    bool m_valid = false;
    Node m_root;
};
