package sqs

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orders-dev/orders/internal/emulator/service"
)

// SQS's older awsQuery protocol, which SDKs built before SQS moved to
// awsJson still speak (botocore before 1.34, the Java SDK v1, the Go SDK v1
// before 1.47): Action=SendMessage&Version=2012-11-05 form-encoded, posted to
// the queue URL or to /, answered in XML. Each request is translated into
// the awsJson input the operations already take and each answer back into
// the XML the query protocol's parsers read, so both wire encodings run the
// same operation code. The names are the query serialization names of the
// SQS model as it was while SQS spoke awsQuery (locationName and flattened
// traits): flattened lists and maps repeat their member element directly.

// XMLNamespace of SQS's awsQuery answers.
const XMLNamespace = "http://queue.amazonaws.com/doc/2012-11-05/"

// HandleQuery serves one awsQuery operation (service.QueryHandler).
func (s *Service) HandleQuery(call *service.Call, form url.Values) (any, error) {
	if !slices.Contains(operations, call.Operation) {
		return nil, sqsError(400, "InvalidAction", "", "The action %s is not valid for this endpoint.", call.Operation)
	}
	in, err := queryInput(call, form)
	if err != nil {
		return nil, err
	}
	body, err := json.Marshal(in)
	if err != nil {
		return nil, service.Internal(err)
	}
	out, err := s.HandleJSON(call, body)
	if err != nil {
		return nil, err
	}
	if slices.Contains(noOutput, call.Operation) {
		return nil, nil // answered with ResponseMetadata alone
	}
	raw, err := json.Marshal(out)
	if err != nil {
		return nil, service.Internal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v map[string]any
	if err := dec.Decode(&v); err != nil {
		return nil, service.Internal(err)
	}
	return queryResult{op: call.Operation, members: v}, nil
}

// Operations the model gives no output shape.
var noOutput = []string{"AddPermission", "ChangeMessageVisibility", "DeleteMessage", "DeleteQueue", "PurgeQueue",
	"RemovePermission", "SetQueueAttributes", "TagQueue", "UntagQueue"}

// Query names of the flattened string lists, by their awsJson member.
var queryLists = map[string]string{
	"AttributeName":              "AttributeNames",
	"MessageAttributeName":       "MessageAttributeNames",
	"MessageSystemAttributeName": "MessageSystemAttributeNames",
	"TagKey":                     "TagKeys",
	"AWSAccountId":               "AWSAccountIds",
	"ActionName":                 "Actions",
}

// Query names of the batch entry lists (all the Entries member).
var queryEntries = []string{"SendMessageBatchRequestEntry", "DeleteMessageBatchRequestEntry", "ChangeMessageVisibilityBatchRequestEntry"}

// Members the model types as integers.
var queryIntegers = []string{"DelaySeconds", "MaxNumberOfMessages", "VisibilityTimeout", "WaitTimeSeconds", "MaxResults"}

// queryInput turns a query form into the operation's awsJson input.
func queryInput(call *service.Call, form url.Values) (map[string]any, error) {
	flat := map[string]string{}
	for k, v := range form {
		if k == "Action" || k == "Version" || len(v) == 0 {
			continue
		}
		flat[k] = v[0]
	}
	in, err := queryStruct(flat)
	if err != nil {
		return nil, err
	}
	// A client that posts to the queue URL may leave QueueUrl out of the
	// form (the Java SDK v1 moves it into the endpoint).
	if _, ok := in["QueueUrl"]; !ok && call.Path != "" && call.Path != "/" {
		in["QueueUrl"] = strings.TrimRight(call.Endpoint, "/") + call.Path
	}
	if call.Operation == "CreateQueue" {
		// CreateQueue's tags member is lower-case in awsJson.
		if tags, ok := in["Tags"]; ok {
			in["tags"] = tags
			delete(in, "Tags")
		}
	}
	return in, nil
}

// queryStruct decodes one structure from its members' flattened keys
// (relative to the structure).
func queryStruct(flat map[string]string) (map[string]any, error) {
	groups := map[string]map[string]string{} // first component -> rest
	out := map[string]any{}
	for k, v := range flat {
		head, rest, nested := strings.Cut(k, ".")
		if !nested {
			if slices.Contains(queryIntegers, head) {
				n, err := strconv.Atoi(v)
				if err != nil {
					return nil, errInvalidParameter("Value %s for parameter %s is invalid. Reason: must be an integer.", v, head)
				}
				out[head] = n
			} else {
				out[head] = v
			}
			continue
		}
		if groups[head] == nil {
			groups[head] = map[string]string{}
		}
		groups[head][rest] = v
	}
	for head, members := range groups {
		items, err := indexed(head, members)
		if err != nil {
			return nil, err
		}
		switch {
		case queryLists[head] != "":
			list := make([]string, 0, len(items))
			for _, it := range items {
				list = append(list, it[""])
			}
			out[queryLists[head]] = list
		case head == "Attribute" || head == "Tag":
			key, name := "Name", "Attributes"
			if head == "Tag" {
				key, name = "Key", "Tags"
			}
			m := map[string]string{}
			for _, it := range items {
				m[it[key]] = it["Value"]
			}
			out[name] = m
		case head == "MessageAttribute" || head == "MessageSystemAttribute":
			m := map[string]any{}
			for _, it := range items {
				value := map[string]string{}
				for k, v := range it {
					if sub, ok := strings.CutPrefix(k, "Value."); ok {
						value[sub] = v
					}
				}
				av, err := queryStruct(value)
				if err != nil {
					return nil, err
				}
				m[it["Name"]] = av
			}
			out[head+"s"] = m
		case head == "StringListValue" || head == "BinaryListValue":
			list := make([]string, 0, len(items))
			for _, it := range items {
				list = append(list, it[""])
			}
			out[head+"s"] = list
		case slices.Contains(queryEntries, head):
			entries := make([]map[string]any, 0, len(items))
			for _, it := range items {
				e, err := queryStruct(it)
				if err != nil {
					return nil, err
				}
				entries = append(entries, e)
			}
			out["Entries"] = entries
		default:
			// A nested structure (Value.DataType of an attribute).
			sub, err := queryStruct(members)
			if err != nil {
				return nil, err
			}
			out[head] = sub
		}
	}
	return out, nil
}

// indexed splits "1.Name", "1.Value", "2.Name" … (or "1", "2" for a list of
// strings) into the members of each item, in index order.
func indexed(head string, members map[string]string) ([]map[string]string, error) {
	byIndex := map[int]map[string]string{}
	for k, v := range members {
		idx, rest, _ := strings.Cut(k, ".")
		n, err := strconv.Atoi(idx)
		if err != nil || n < 1 {
			if slices.Contains(queryEntries, head) || queryLists[head] != "" || head == "Attribute" || head == "Tag" || head == "MessageAttribute" || head == "MessageSystemAttribute" {
				return nil, errInvalidParameter("The parameter %s.%s is not a valid member of a list; members are numbered from 1.", head, k)
			}
			continue // not a list: a nested structure's member
		}
		if byIndex[n] == nil {
			byIndex[n] = map[string]string{}
		}
		byIndex[n][rest] = v
	}
	keys := make([]int, 0, len(byIndex))
	for n := range byIndex {
		keys = append(keys, n)
	}
	slices.Sort(keys)
	items := make([]map[string]string, 0, len(keys))
	for _, n := range keys {
		items = append(items, byIndex[n])
	}
	return items, nil
}

// queryResult renders an operation's awsJson answer as its XML result.
type queryResult struct {
	op      string
	members map[string]any
}

// XML names of flattened lists and maps, by their awsJson member.
func (r queryResult) itemName(member string) string {
	switch member {
	case "Successful":
		return strings.TrimSuffix(r.op, "Batch") + "BatchResultEntry"
	case "Failed":
		return "BatchResultErrorEntry"
	case "Messages":
		return "Message"
	case "QueueUrls", "queueUrls":
		return "QueueUrl"
	case "Attributes":
		return "Attribute"
	case "MessageAttributes":
		return "MessageAttribute"
	case "Tags":
		return "Tag"
	}
	return member
}

func (r queryResult) MarshalXML(e *xml.Encoder, start xml.StartElement) error {
	if err := e.EncodeToken(start); err != nil {
		return err
	}
	if err := r.members2XML(e, r.members); err != nil {
		return err
	}
	return e.EncodeToken(start.End())
}

func (r queryResult) members2XML(e *xml.Encoder, members map[string]any) error {
	for _, name := range sortedKeys(members) {
		if err := r.value2XML(e, name, members[name]); err != nil {
			return err
		}
	}
	return nil
}

func (r queryResult) value2XML(e *xml.Encoder, name string, v any) error {
	switch v := v.(type) {
	case nil:
		return nil
	case []any:
		for _, item := range v {
			if err := r.value2XML(e, r.itemName(name), item); err != nil {
				return err
			}
		}
		return nil
	case map[string]any:
		if entry := r.itemName(name); entry != name {
			// A flattened map: one element per entry.
			key := "Name"
			if name == "Tags" {
				key = "Key"
			}
			for _, k := range sortedKeys(v) {
				start := xml.StartElement{Name: xml.Name{Local: entry}}
				if err := e.EncodeToken(start); err != nil {
					return err
				}
				if err := e.EncodeElement(k, xml.StartElement{Name: xml.Name{Local: key}}); err != nil {
					return err
				}
				if err := r.value2XML(e, "Value", v[k]); err != nil {
					return err
				}
				if err := e.EncodeToken(start.End()); err != nil {
					return err
				}
			}
			return nil
		}
		start := xml.StartElement{Name: xml.Name{Local: name}}
		if err := e.EncodeToken(start); err != nil {
			return err
		}
		if err := r.members2XML(e, v); err != nil {
			return err
		}
		return e.EncodeToken(start.End())
	case json.Number:
		return e.EncodeElement(v.String(), xml.StartElement{Name: xml.Name{Local: name}})
	default:
		return e.EncodeElement(v, xml.StartElement{Name: xml.Name{Local: name}})
	}
}
