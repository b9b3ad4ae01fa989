"""CloudFormation custom resource: the database users of one Aurora PostgreSQL database.

Each user is a LOGIN role with rds_iam, so it authenticates only with IAM tokens, and may use and
create objects in the database's public schema. The statements run through the RDS Data API with
the master secret, so the function needs neither a PostgreSQL driver nor a network path to the
database, and every statement is idempotent: a retried or repeated deploy changes nothing.

Users are never dropped (on Delete or when a service leaves the list): a role may own tables, and
a retained database must keep working after its stack is gone.
"""

import json
import re
import time
import urllib.request

# Service names ([a-z][a-z0-9-]*) and database names ([a-z][a-z0-9_]*): nothing that needs
# escaping inside a double-quoted identifier or a single-quoted literal.
NAME = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")

# Aurora answers these while it scales up from zero or fails over: worth a retry, not a failure.
RETRYABLE = ("DatabaseResumingException", "DatabaseNotFoundException", "ServiceUnavailableError",
             "StatementTimeoutException", "InternalServerErrorException")


def identifier(name):
    """Returns name as a quoted SQL identifier, or raises ValueError for anything unexpected."""
    if not isinstance(name, str) or not NAME.match(name):
        raise ValueError(f"invalid database identifier {name!r}: want [a-z][a-z0-9_-]{{0,62}}")
    return '"' + name + '"'


def statements(database, users):
    """The SQL that makes every user exist with IAM authentication and its grants."""
    db = identifier(database)
    out = []
    for user in users:
        role = identifier(user)
        out += [
            # CREATE ROLE has no IF NOT EXISTS.
            f"DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{user}') "
            f"THEN CREATE ROLE {role} LOGIN; END IF; END $$",
            f"GRANT rds_iam TO {role}",
            f"GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {role}",
            f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
        ]
    return out


def apply(client, props, sleep=time.sleep, attempts=6):
    """Runs the statements for props (ClusterArn, SecretArn, Database, Users) with client (boto3
    rds-data), retrying the transient errors with a growing delay."""
    for sql in statements(props["Database"], props["Users"]):
        for attempt in range(attempts):
            try:
                client.execute_statement(resourceArn=props["ClusterArn"], secretArn=props["SecretArn"],
                                         database=props["Database"], sql=sql)
                break
            except Exception as err:  # boto3 raises one class per error code
                if type(err).__name__ not in RETRYABLE or attempt == attempts - 1:
                    raise
                sleep(5 * (attempt + 1))


def respond(event, status, reason, send):
    """Reports the outcome to CloudFormation (a PUT of the presigned ResponseURL)."""
    props = event.get("ResourceProperties", {})
    body = {
        "Status": status,
        "Reason": reason[:1000],
        # Stable: a change of the user list is an update, never a replacement.
        "PhysicalResourceId": event.get("PhysicalResourceId") or f"{props.get('ClusterArn')}/{props.get('Database')}",
        "StackId": event["StackId"],
        "RequestId": event["RequestId"],
        "LogicalResourceId": event["LogicalResourceId"],
        "Data": {},
    }
    send(event["ResponseURL"], json.dumps(body).encode())


def put(url, data):
    req = urllib.request.Request(url, data=data, method="PUT", headers={"Content-Type": ""})
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310 (CloudFormation's presigned S3 URL)
        resp.read()


def handle(event, client, send, sleep=time.sleep):
    """Creates or updates the users; Delete keeps them. Always answers CloudFormation, so a
    failure fails the deploy at once instead of after the custom resource's one-hour timeout."""
    try:
        if event["RequestType"] in ("Create", "Update"):
            apply(client, event["ResourceProperties"], sleep)
        respond(event, "SUCCESS", "users present", send)
    except Exception as err:
        respond(event, "FAILED", f"{type(err).__name__}: {err}", send)


def handler(event, _context):
    import boto3  # the Lambda runtime has it; the unit tests never import it

    handle(event, boto3.client("rds-data"), put)
