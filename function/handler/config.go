package handler

import (
	"strings"
)

// Config is what the function needs from its environment.
type Config struct {
	TableName string // DynamoDB table holding the orders
	TopicARN  string // SNS topic for high-value orders
	Threshold Amount // an order notifies when Amount > Threshold (strictly)
}

// DefaultThreshold applies when THRESHOLD is unset or empty.
const DefaultThreshold = "100"

// Environment variable names, as `orders up` sets them on the function.
const (
	EnvTableName = "TABLE_NAME"
	EnvTopicARN  = "TOPIC_ARN"
	EnvThreshold = "THRESHOLD"
)

// ConfigFromEnv reads TABLE_NAME, TOPIC_ARN and THRESHOLD (default 100) via
// getenv (os.Getenv in the Lambda). Every problem is named in one *ConfigError.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	var c Config
	var problems []string
	c.TableName = strings.TrimSpace(getenv(EnvTableName))
	if c.TableName == "" {
		problems = append(problems, EnvTableName+": not set")
	}
	c.TopicARN = strings.TrimSpace(getenv(EnvTopicARN))
	switch {
	case c.TopicARN == "":
		problems = append(problems, EnvTopicARN+": not set")
	case !strings.HasPrefix(c.TopicARN, "arn:"):
		problems = append(problems, EnvTopicARN+": not an ARN: "+quoteShort(c.TopicARN))
	}
	threshold := strings.TrimSpace(getenv(EnvThreshold))
	if threshold == "" {
		threshold = DefaultThreshold
	}
	t, err := ParseAmount(threshold)
	if err != nil {
		problems = append(problems, EnvThreshold+": "+err.Error())
	}
	c.Threshold = t
	if len(problems) > 0 {
		return Config{}, &ConfigError{Problems: problems}
	}
	return c, nil
}
