package parley

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"time"

	"github.com/parley-im/parley/internal/proto"
	"github.com/parley-im/parley/sdk/go/internal/pool"
)

// File is a file to send: Body is read once, streamed to the server.
type File struct {
	Name     string
	MimeType string // what the app believes; the server decides from the content
	Size     int64  // shown to receivers; 0 if unknown
	Body     io.Reader
}

// SendFile shows a file message at once and sends it in the background, in
// its place in the conversation: its upload is the first step of its send,
// and messages sent after it wait behind it in the conversation's ordered
// outbox, so no receiver sees them before the file. If the upload fails
// the file message is Failed (Resend does not apply: call SendFile again)
// and the messages behind it go on. The message's content is a Drafty
// document with one attachment (EX) entity, as Tinode clients send files.
func (c *Client) SendFile(topic string, f File) *Message {
	placeholder, _ := draftyFile(f, "", nil)
	m := pool.NewLocal(topic, newMsgID(), c.UserID(), placeholder, time.Now())
	cv, created := c.conv(topic)
	cv.mu.Lock()
	cv.pool.AddLocal(m)
	cv.mu.Unlock()
	c.ev.message.Publish(m)
	c.box.AddPreparing(topic, m.MsgID)
	if gen, ready := c.live(); created && ready {
		go c.attach(context.Background(), gen, cv)
	}
	go c.uploadThenSend(topic, m.MsgID, f)
	return m
}

// uploadThenSend runs the upload step of a file send, then lets the send
// (and whatever waits behind it) go.
func (c *Client) uploadThenSend(topic, msgid string, f File) {
	ref, params, err := c.upload(context.Background(), f)
	if err == nil {
		var content json.RawMessage
		if content, err = draftyFile(f, ref, params); err == nil {
			refs := []string{ref}
			if pre := paramString(params, "preview"); pre != "" {
				refs = append(refs, pre)
			}
			c.box.Ready(msgid, content, refs)
			c.wake()
			return
		}
	}
	c.fail(topic, msgid, pool.Failed) // removes it: the sends behind it go on
	c.wake()
}

// upload posts f to the server's upload endpoint as tinode-sdk does (a
// multipart form, the login token in X-Tinode-Auth), streaming the body,
// and returns the file's URL and the answer's params.
func (c *Client) upload(ctx context.Context, f File) (string, map[string]any, error) {
	token := c.Token()
	if token == "" {
		return "", nil, errors.New("parley: upload needs a login")
	}
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="file"; filename=%q`, f.Name))
		if f.MimeType != "" {
			h.Set("Content-Type", f.MimeType)
		}
		part, err := mw.CreatePart(h)
		if err == nil {
			_, err = io.Copy(part, f.Body)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, httpBase(c.o.url())+"/v0/file/u/", pr)
	if err != nil {
		pr.Close()
		return "", nil, err
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("X-Tinode-Auth", "Token "+token)
	resp, err := c.o.http.Do(req)
	if err != nil {
		return "", nil, err
	}
	defer resp.Body.Close()
	var answer struct{ Ctrl proto.MsgServerCtrl }
	if err := json.NewDecoder(io.LimitReader(resp.Body, 64<<10)).Decode(&answer); err != nil {
		return "", nil, fmt.Errorf("parley: upload: HTTP %d", resp.StatusCode)
	}
	if answer.Ctrl.Code != http.StatusOK {
		return "", nil, &CtrlError{Code: answer.Ctrl.Code, Text: answer.Ctrl.Text}
	}
	ref := paramString(answer.Ctrl.Params, "url")
	if ref == "" {
		return "", nil, errors.New("parley: upload answered no url")
	}
	return ref, answer.Ctrl.Params, nil
}

// httpBase turns the WebSocket URL into the server's HTTP origin.
func httpBase(wsURL string) string {
	u, err := url.Parse(wsURL)
	if err != nil {
		return ""
	}
	scheme := "http"
	if u.Scheme == "wss" {
		scheme = "https"
	}
	return scheme + "://" + u.Host
}

// draftyFile is the Drafty document of a file message: an attachment (EX)
// entity, or an image (IM) entity when the server read its dimensions.
func draftyFile(f File, ref string, params map[string]any) (json.RawMessage, error) {
	data := map[string]any{"mime": f.MimeType, "name": f.Name, "size": f.Size}
	if ref != "" {
		data["ref"] = ref
	}
	tp := "EX"
	if w, h := paramInt(params, "width"), paramInt(params, "height"); w > 0 && h > 0 {
		tp, data["width"], data["height"] = "IM", w, h
		if pre := paramString(params, "preview"); pre != "" {
			data["preref"] = pre // the server's small JPEG, for the chat bubble
		}
	}
	return json.Marshal(map[string]any{"txt": " ",
		"fmt": []map[string]any{{"at": -1, "len": 0, "key": 0}},
		"ent": []map[string]any{{"tp": tp, "data": data}}})
}
