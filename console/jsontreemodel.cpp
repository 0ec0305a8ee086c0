#include "jsontreemodel.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

using namespace Qt::StringLiterals;

JsonTreeModel::JsonTreeModel(QObject *parent) : QAbstractItemModel(parent) { }
JsonTreeModel::~JsonTreeModel() = default;

void JsonTreeModel::setJson(const QString &json)
{
    if (json == m_json)
        return;
    beginResetModel();
    m_json = json;
    m_root.children.clear();
    QJsonParseError error;
    // Wrapped in an array so that a bare string or number parses too.
    const QJsonDocument document = QJsonDocument::fromJson(u"[%1]"_s.arg(json).toUtf8(), &error);
    m_valid = !json.trimmed().isEmpty() && error.error == QJsonParseError::NoError && document.array().size() == 1;
    if (m_valid) {
        int budget = MaxNodes;
        build(m_root, document.array().first(), budget);
    }
    endResetModel();
    Q_EMIT jsonChanged();
}

void JsonTreeModel::build(Node &node, const QJsonValue &value, int &budget)
{
    const auto add = [&](const QString &key, const QJsonValue &member) {
        if (budget <= 0) {
            if (node.children.empty() || node.children.back()->kind != "more"_L1) {
                auto more = std::make_unique<Node>(Node{u"…"_s, u"(more not shown)"_s, u"more"_s, &node, int(node.children.size()), {}});
                node.children.push_back(std::move(more));
            }
            return;
        }
        --budget;
        auto child = std::make_unique<Node>();
        child->key = key;
        child->parent = &node;
        child->row = int(node.children.size());
        build(*child, member, budget);
        node.children.push_back(std::move(child));
    };
    switch (value.type()) {
    case QJsonValue::Object: {
        const QJsonObject object = value.toObject();
        node.kind = u"object"_s;
        node.value = object.size() == 1 ? u"{1 key}"_s : u"{%1 keys}"_s.arg(object.size());
        for (auto it = object.begin(); it != object.end(); ++it)
            add(it.key(), it.value());
        break;
    }
    case QJsonValue::Array: {
        const QJsonArray array = value.toArray();
        node.kind = u"array"_s;
        node.value = array.size() == 1 ? u"[1 item]"_s : u"[%1 items]"_s.arg(array.size());
        for (qsizetype i = 0; i < array.size(); ++i)
            add(QString::number(i), array.at(i));
        break;
    }
    case QJsonValue::String:
        node.kind = u"string"_s;
        node.value = QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)).sliced(1).chopped(1);
        break;
    case QJsonValue::Double:
        node.kind = u"number"_s;
        node.value = QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)).sliced(1).chopped(1);
        break;
    case QJsonValue::Bool:
        node.kind = u"bool"_s;
        node.value = value.toBool() ? u"true"_s : u"false"_s;
        break;
    default:
        node.kind = u"null"_s;
        node.value = u"null"_s;
    }
}

const JsonTreeModel::Node *JsonTreeModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<const Node *>(index.internalPointer()) : &m_root;
}

QModelIndex JsonTreeModel::index(int row, int column, const QModelIndex &parent) const
{
    const Node *node = nodeOf(parent);
    if (column != 0 || row < 0 || row >= int(node->children.size()))
        return {};
    return createIndex(row, 0, node->children[std::size_t(row)].get());
}

QModelIndex JsonTreeModel::parent(const QModelIndex &child) const
{
    const Node *node = nodeOf(child);
    if (!child.isValid() || node->parent == &m_root || !node->parent)
        return {};
    return createIndex(node->parent->row, 0, node->parent);
}

int JsonTreeModel::rowCount(const QModelIndex &parent) const
{
    if (parent.column() > 0)
        return 0;
    return int(nodeOf(parent)->children.size());
}

QVariant JsonTreeModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid))
        return {};
    const Node *node = nodeOf(index);
    switch (role) {
    case Qt::DisplayRole: return node->key + u": "_s + node->value;
    case KeyRole: return node->key;
    case ValueRole: return node->value;
    case KindRole: return node->kind;
    }
    return {};
}

QHash<int, QByteArray> JsonTreeModel::roleNames() const
{
    QHash<int, QByteArray> roles = QAbstractItemModel::roleNames();
    roles.insert(KeyRole, "key");
    roles.insert(ValueRole, "value");
    roles.insert(KindRole, "kind");
    return roles;
}
