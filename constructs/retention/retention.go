// Package retention maps the CloudWatch Logs retention periods of internal/limits (in days) onto
// aws-cdk-lib's logs.RetentionDays enum and back, so constructs and stacks check a retention
// against the one list config checks too.
package retention

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	logs "github.com/aws/aws-cdk-go/awscdk/v2/awslogs"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/stratus-platform/stratus/internal/limits"
)

// byDays is the enum value of every period of limits.LogRetentionDays (a test keeps the two in
// step). INFINITE is absent on purpose: NIST 800-53 wants a set retention.
var byDays = map[int]logs.RetentionDays{
	1: logs.RetentionDays_ONE_DAY, 3: logs.RetentionDays_THREE_DAYS, 5: logs.RetentionDays_FIVE_DAYS,
	7: logs.RetentionDays_ONE_WEEK, 14: logs.RetentionDays_TWO_WEEKS, 30: logs.RetentionDays_ONE_MONTH,
	60: logs.RetentionDays_TWO_MONTHS, 90: logs.RetentionDays_THREE_MONTHS, 120: logs.RetentionDays_FOUR_MONTHS,
	150: logs.RetentionDays_FIVE_MONTHS, 180: logs.RetentionDays_SIX_MONTHS, 365: logs.RetentionDays_ONE_YEAR,
	400: logs.RetentionDays_THIRTEEN_MONTHS, 545: logs.RetentionDays_EIGHTEEN_MONTHS, 731: logs.RetentionDays_TWO_YEARS,
	1096: logs.RetentionDays_THREE_YEARS, 1827: logs.RetentionDays_FIVE_YEARS, 2192: logs.RetentionDays_SIX_YEARS,
	2557: logs.RetentionDays_SEVEN_YEARS, 2922: logs.RetentionDays_EIGHT_YEARS, 3288: logs.RetentionDays_NINE_YEARS,
	3653: logs.RetentionDays_TEN_YEARS,
}

// Default is the retention every construct defaults to, limits.DefaultLogRetentionDays.
var Default = byDays[limits.DefaultLogRetentionDays]

// FromDays returns the enum value of a period of limits.LogRetentionDays, or an error naming the
// allowed periods.
func FromDays(days int) (logs.RetentionDays, error) {
	if r, ok := byDays[days]; ok {
		return r, nil
	}
	return "", fmt.Errorf("%d days is not a CloudWatch Logs retention (allowed: %v)", days, limits.LogRetentionDays)
}

// Check returns an error, for the prop key, unless r is a finite retention of
// limits.LogRetentionDays.
func Check(key string, r logs.RetentionDays) error {
	for _, v := range byDays {
		if v == r {
			return nil
		}
	}
	return fmt.Errorf("%s %q is not a finite logs.RetentionDays value (allowed: %v days, ONE_DAY … TEN_YEARS; never INFINITE)",
		key, r, limits.LogRetentionDays)
}

// Rebuildable returns name followed by "-" and the id CloudFormation gave the stack of scope when
// it created it (the UUID that ends AWS::StackId). A retained log group outlives its stack under
// its name, so a stack created again under the same name could not create a group of that name
// ("already exists"); with the stack's own id in the name, the new group does not collide. Use it
// for a retained group of a stack that can be destroyed and rebuilt (App, Edge) whose name a key
// policy must know in advance.
func Rebuildable(scope constructs.Construct, name string) string {
	id := awscdk.Fn_Split(jsii.String("/"), awscdk.Stack_Of(scope).StackId(), nil)
	return name + "-" + *awscdk.Fn_Select(jsii.Number(2), id)
}
