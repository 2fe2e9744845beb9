package desk

import (
	"context"
	"errors"
	"strconv"

	"github.com/google/uuid"

	"github.com/intake-mail/intake/tickets"
)

// ActionAttachmentDownload is audited for every download of a clean
// attachment: it is member data leaving the store, if nothing worse.
const ActionAttachmentDownload = "attachment.download"

// Attachment returns a clean attachment (scanned, nothing found) with its
// content, for download. Serving it as an attachment, never inline, with
// nosniff, is the caller's part.
func (d *Desk) Attachment(ctx context.Context, a Actor, id uuid.UUID) (*tickets.Attachment, error) {
	if err := d.need(a, ticketRoles...); err != nil {
		return nil, err
	}
	att, err := d.st.GetAttachment(ctx, id)
	if errors.Is(err, tickets.ErrNotFound) {
		return nil, notFound("no attachment " + id.String())
	}
	if err != nil {
		return nil, d.fail(a, "get attachment", err)
	}
	// No download without its record.
	if _, err := d.st.AppendAudit(ctx, tickets.AuditEvent{Actor: a.AuditName(), Action: ActionAttachmentDownload, ItemID: id.String(),
		Detail: map[string]string{"size": strconv.FormatInt(att.Size, 10), "sha256": att.SHA256}}); err != nil {
		return nil, d.fail(a, "audit attachment download", err)
	}
	d.log.Info("attachment downloaded", "actor", a.AuditName(), "attachment", id, "size", att.Size)
	return att, nil
}
