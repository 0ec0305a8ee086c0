import QtQuick
import QtQuick.Controls
import QtQuick.Controls.Material
import QtQuick.Layouts

ColumnLayout {
    id: page
    required property var admin
    function focusFilter() { url.forceActiveFocus() }
    required property var settings
    spacing: 12

    Label { text: "Connect to a Cortado server"; font.pixelSize: 22; font.weight: Font.Medium }
    Label { text: "The console connects to the server's admin channel (/_admin) with a token that has the admin or observer role.\nGet one with:  cortado-server token --user you --role admin"; opacity: 0.7 }
    GridLayout {
        columns: 2
        columnSpacing: 12
        Label { text: "Server URL" }
        TextField { id: url; text: page.settings.url; Layout.preferredWidth: 420; placeholderText: "ws://127.0.0.1:8080" }
        Label { text: "Token" }
        TextField { id: token; text: page.settings.token; echoMode: TextInput.Password; Layout.preferredWidth: 420 }
        Item { width: 1 }
        CheckBox { id: remember; text: "Remember (the token is stored encrypted)"; checked: true }
    }
    RowLayout {
        Button {
            text: "Connect"
            highlighted: true
            onClicked: {
                if (remember.checked) page.settings.remember(url.text, token.text)
                page.admin.connectTo(url.text, token.text)
            }
        }
        Button { text: "Disconnect"; enabled: page.admin.state !== 0; onClicked: page.admin.disconnectFrom() }
    }
    Label { text: "State: " + page.admin.stateText + (page.admin.url ? "  (" + page.admin.url + ")" : ""); font.pixelSize: 16 }
    Label { text: page.admin.error; color: Material.color(Material.Red); visible: text.length > 0; wrapMode: Text.Wrap; Layout.fillWidth: true }
    Item { Layout.fillHeight: true }
}
