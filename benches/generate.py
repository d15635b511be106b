#!/usr/bin/env python3
"""Deterministic large-corpus generator for throughput benchmarks (issue 23).

Writes realistic CloudFormation/SAM templates (about half JSON, half YAML with the short tags
!Ref, !GetAtt and !Sub) and one Terraform JSON plan (the `terraform show -json` shape), built
so that deploylint, cfn-lint and checkov read them without parse errors and report a mix of
findings:

    OUT_DIR/json/stack-00000.template.json   CloudFormation or SAM, JSON
    OUT_DIR/yaml/stack-00001.yaml            CloudFormation or SAM, YAML
    OUT_DIR/plan/plan.json                   one Terraform plan, minified as terraform writes it

Usage: python3 benches/generate.py OUT_DIR [--templates 10000] [--template-kb 10]
                                           [--plan-mb 50] [--seed 1] [--quiet]

Defaults: 10,000 templates of about 10 KB (about 100 MB: each template's size is drawn around
the mean and the total is steered to templates x template-kb) and a plan of about 50 MB.
`--plan-mb 0` writes no plan. The same arguments give byte-identical files (random.Random(seed));
existing files in OUT_DIR/json, OUT_DIR/yaml and OUT_DIR/plan are removed first.

What the templates hold: Lambda functions (inline code), their roles, DynamoDB tables, SQS
queues with dead-letter queues, log groups, CloudWatch alarms, and one to three state
machines: `AWS::StepFunctions::StateMachine` with a `DefinitionString` given as `Fn::Sub` of a
JSON string, or `AWS::Serverless::StateMachine` with an inline `Definition` and
`DefinitionSubstitutions`; their execution roles grant either the actions the states call or
wildcards (`lambda:*`, `*`); logging, tracing, timeouts, retries and alarms are present or
absent at random. The plan holds the same kinds as Terraform resources (`aws_sfn_state_machine`
with its definition as a JSON string, `aws_iam_role`, `aws_iam_role_policy`,
`aws_lambda_function`, `aws_s3_bucket`, `aws_sqs_queue`, `aws_dynamodb_table`,
`aws_cloudwatch_log_group`) in planned_values, resource_changes and configuration.

Prints one summary line: files, total MB, JSON MB, YAML MB, plan MB, seconds.
Standard library only (Python 3.11).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from pathlib import Path

MB = 1_000_000
ACCOUNT = "123456789012"
REGION = "us-east-1"

WORDS = [
    "orders", "payments", "invoices", "shipments", "inventory", "customers", "refunds", "reports",
    "images", "documents", "notifications", "returns", "catalog", "pricing", "loyalty", "claims",
    "bookings", "tickets", "subscriptions", "ledger", "audit", "exports", "imports", "media",
]
STEPS = [
    "Validate", "Enrich", "Reserve", "Charge", "Persist", "Notify", "Transform", "Score",
    "Approve", "Archive", "Publish", "Reconcile", "Index", "Resize", "Classify", "Summarize",
]
RUNTIMES = ["python3.12", "python3.13", "nodejs22.x", "nodejs24.x"]
# What a state machine's role needs for logging to CloudWatch Logs and for X-Ray tracing.
LOG_DELIVERY_ACTIONS = ["logs:CreateLogDelivery", "logs:GetLogDelivery", "logs:UpdateLogDelivery", "logs:DeleteLogDelivery",
                        "logs:ListLogDeliveries", "logs:PutResourcePolicy", "logs:DescribeResourcePolicies", "logs:DescribeLogGroups"]
XRAY_ACTIONS = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]


# --------------------------------------------------------------------------------------------
# A neutral model of CloudFormation intrinsics, written as JSON or as YAML short tags
# --------------------------------------------------------------------------------------------


class Ref:
    def __init__(self, name: str):
        self.name = name


class GetAtt:
    def __init__(self, resource: str, attribute: str):
        self.resource, self.attribute = resource, attribute


class Sub:
    """Fn::Sub of a string, with optional variables (the list form)."""

    def __init__(self, text: str, variables: dict | None = None):
        self.text, self.variables = text, variables


class Block:
    """A multi-line string, written as a YAML literal block."""

    def __init__(self, text: str):
        self.text = text


def to_json_value(v):
    if isinstance(v, Ref):
        return {"Ref": v.name}
    if isinstance(v, GetAtt):
        return {"Fn::GetAtt": [v.resource, v.attribute]}
    if isinstance(v, Sub):
        if v.variables:
            return {"Fn::Sub": [v.text, to_json_value(v.variables)]}
        return {"Fn::Sub": v.text}
    if isinstance(v, Block):
        return v.text
    if isinstance(v, dict):
        return {k: to_json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [to_json_value(x) for x in v]
    return v


PLAIN = re.compile(r"^[A-Za-z_/][A-Za-z0-9_.\-/:]*$")
SPECIAL = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"}


def yaml_scalar(v) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    if v is None:
        return "null"
    if isinstance(v, (int, float)):
        return repr(v)
    s = str(v)
    if PLAIN.match(s) and not s.endswith(":") and s.lower() not in SPECIAL:
        return s
    return json.dumps(s)


def yaml_inline(v) -> str | None:
    """The text of a value that fits after `key: ` or `- `, or None for a block."""
    if isinstance(v, Ref):
        return f"!Ref {v.name}"
    if isinstance(v, GetAtt):
        return f"!GetAtt {v.resource}.{v.attribute}"
    if isinstance(v, Sub) and not v.variables and "\n" not in v.text:
        return f"!Sub {yaml_scalar(v.text)}"
    if isinstance(v, dict):
        return "{}" if not v else None
    if isinstance(v, list):
        return "[]" if not v else None
    if isinstance(v, (Block, Sub)):
        return None
    return yaml_scalar(v)


def yaml_block(v, indent: int, out: list[str], head: str) -> None:
    """Writes `head` (`key:` or `-`) and the value, which does not fit on the head's line."""
    sp = " " * indent
    if isinstance(v, Block):
        out.append(f"{head} |")
        out.extend((sp + "  " + line) if line else "" for line in v.text.rstrip("\n").split("\n"))
    elif isinstance(v, Sub) and not v.variables:
        out.append(f"{head} !Sub |")
        out.extend((sp + "  " + line) if line else "" for line in v.text.rstrip("\n").split("\n"))
    elif isinstance(v, Sub):
        out.append(f"{head} !Sub")
        yaml_list([Block(v.text) if "\n" in v.text else v.text, v.variables], indent + 2, out)
    elif isinstance(v, (dict, list)):
        write = yaml_map if isinstance(v, dict) else yaml_list
        if head.endswith("-"):
            # A list item: the first line of the block goes beside the dash.
            sub: list[str] = []
            write(v, indent + 2, sub)
            out.append(head + " " + sub[0].lstrip(" "))
            out.extend(sub[1:])
        else:
            out.append(head)
            write(v, indent + 2, out)


def yaml_map(d: dict, indent: int, out: list[str]) -> None:
    sp = " " * indent
    for k, v in d.items():
        head = f"{sp}{yaml_scalar(k)}:"
        inline = yaml_inline(v)
        if inline is not None:
            out.append(f"{head} {inline}")
        else:
            yaml_block(v, indent, out, head)


def yaml_list(items: list, indent: int, out: list[str]) -> None:
    sp = " " * indent
    for v in items:
        inline = yaml_inline(v)
        if inline is not None:
            out.append(f"{sp}- {inline}")
        else:
            yaml_block(v, indent, out, f"{sp}-")


# --------------------------------------------------------------------------------------------
# Amazon States Language definitions
# --------------------------------------------------------------------------------------------


class Fn:
    """A Lambda function of a stack: its logical id and how a definition names it."""

    def __init__(self, logical: str, step: str):
        self.logical, self.step = logical, step


def retry(rng: random.Random) -> list:
    r = [{
        "ErrorEquals": ["Lambda.ServiceException", "Lambda.AWSLambdaException", "Lambda.SdkClientException", "Lambda.TooManyRequestsException"],
        "IntervalSeconds": rng.choice([1, 2, 3]),
        "MaxAttempts": rng.choice([3, 5, 6]),
        "BackoffRate": 2,
    }]
    if rng.random() < 0.3:
        r[0]["JitterStrategy"] = "FULL"
    return r


def definition(rng: random.Random, fns: list[Fn], arn_of, table: str, queue_url: str, n_states: int, express: bool) -> dict:
    """A valid JSONPath definition of about n_states states calling the given functions.

    arn_of(fn) gives the text a definition uses for a function's ARN (a ${...} placeholder)."""
    states: dict = {}
    names: list[str] = []
    order: list[tuple[str, dict]] = []
    fail_refs = 0
    i = 0
    while len(order) < n_states:
        kind = rng.choices(["lambda", "lambda_arn", "ddb", "sqs", "choice", "wait", "pass", "parallel", "map"],
                           [30, 8, 10, 8, 10, 5, 8, 5, 6])[0]
        if express and kind == "wait":
            kind = "pass"
        fn = fns[i % len(fns)]
        i += 1
        name = f"{fn.step}{len(order) + 1}"
        if kind in ("lambda", "lambda_arn"):
            st: dict = {"Type": "Task"}
            if kind == "lambda":
                st["Resource"] = "arn:aws:states:::lambda:invoke"
                st["Parameters"] = {"FunctionName": arn_of(fn), "Payload.$": "$"}
                st["ResultSelector"] = {"result.$": "$.Payload"}
                st["ResultPath"] = f"$.{fn.step.lower()}"
            else:
                st["Resource"] = arn_of(fn)
                st["ResultPath"] = f"$.{fn.step.lower()}"
            if rng.random() < 0.6:
                st["TimeoutSeconds"] = rng.choice([10, 30, 60, 120])
            if rng.random() < 0.6:
                st["Retry"] = retry(rng)
            if rng.random() < 0.4:
                st["Catch"] = [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "HandleFailure"}]
                fail_refs += 1
        elif kind == "ddb":
            st = {
                "Type": "Task",
                "Resource": "arn:aws:states:::dynamodb:putItem",
                "Parameters": {
                    "TableName": table,
                    "Item": {"pk": {"S.$": "$.id"}, "status": {"S": "RECEIVED"}, "updatedAt": {"S.$": "$$.State.EnteredTime"}},
                },
                "ResultPath": None,
            }
            if rng.random() < 0.5:
                st["Retry"] = [{"ErrorEquals": ["DynamoDB.ProvisionedThroughputExceededException", "States.Timeout"],
                                "IntervalSeconds": 1, "MaxAttempts": 4, "BackoffRate": 2}]
            if rng.random() < 0.5:
                st["TimeoutSeconds"] = 20
        elif kind == "sqs":
            st = {
                "Type": "Task",
                "Resource": "arn:aws:states:::sqs:sendMessage",
                "Parameters": {"QueueUrl": queue_url, "MessageBody.$": "States.JsonToString($)"},
                "ResultPath": None,
                "TimeoutSeconds": 30,
            }
        elif kind == "choice":
            st = {
                "Type": "Choice",
                "Choices": [
                    {"Variable": "$.status", "StringEquals": "REJECTED", "Next": "HandleFailure"},
                    {"And": [{"Variable": "$.amount", "IsPresent": True}, {"Variable": "$.amount", "NumericGreaterThan": rng.choice([100, 500, 1000])}],
                     "Next": None},
                ],
                "Default": None,
            }
            fail_refs += 1
        elif kind == "wait":
            st = {"Type": "Wait", "Seconds": rng.choice([5, 10, 30, 60])}
        elif kind == "pass":
            st = {"Type": "Pass", "Parameters": {"id.$": "$.id", "stage": fn.step, "at.$": "$$.Execution.StartTime"}, "ResultPath": "$.meta"}
        elif kind == "parallel":
            branches = []
            for b in range(2):
                f2 = fns[(i + b) % len(fns)]
                bname = f"{f2.step}Branch{len(order) + 1}x{b}"
                bst = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                       "Parameters": {"FunctionName": arn_of(f2), "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}
                if rng.random() < 0.5:
                    bst["Retry"] = retry(rng)
                    bst["TimeoutSeconds"] = 60
                branches.append({"StartAt": bname, "States": {bname: bst}})
            st = {"Type": "Parallel", "Branches": branches, "ResultPath": "$.parallel"}
        else:  # map
            inner = f"{fn.step}Item{len(order) + 1}"
            ist = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke",
                   "Parameters": {"FunctionName": arn_of(fn), "Payload.$": "$"}, "OutputPath": "$.Payload", "End": True}
            if rng.random() < 0.5:
                ist["Retry"] = retry(rng)
            st = {"Type": "Map", "ItemsPath": "$.items",
                  "ItemProcessor": {"ProcessorConfig": {"Mode": "INLINE"}, "StartAt": inner, "States": {inner: ist}},
                  "ResultPath": "$.results"}
            if rng.random() < 0.6:
                st["MaxConcurrency"] = rng.choice([2, 5, 10])
        order.append((name, st))
    # Chain them; the failure path is reached from every Catch and Choice.
    for k, (name, st) in enumerate(order):
        nxt = order[k + 1][0] if k + 1 < len(order) else "Done"
        if st["Type"] == "Choice":
            st["Choices"][1]["Next"] = nxt
            st["Default"] = nxt
        else:
            st["Next"] = nxt
        states[name] = st
        names.append(name)
    states["Done"] = {"Type": "Succeed"}
    if fail_refs:
        states["HandleFailure"] = {"Type": "Pass", "Parameters": {"cause": "processing failed", "input.$": "$"}, "Next": "Failed"}
        states["Failed"] = {"Type": "Fail", "Error": "ProcessingFailed", "Cause": "A step of the workflow failed"}
    d = {"Comment": f"Processes {fns[0].step.lower()} requests", "StartAt": names[0], "States": states}
    if not express and rng.random() < 0.5:
        d["TimeoutSeconds"] = rng.choice([300, 900, 3600])
    return d


# --------------------------------------------------------------------------------------------
# CloudFormation / SAM templates
# --------------------------------------------------------------------------------------------

LAMBDA_CODE_PY = '''import json
import os

import boto3

TABLE = os.environ["TABLE_NAME"]
dynamodb = boto3.resource("dynamodb")


def handler(event, context):
    """{doc}"""
    table = dynamodb.Table(TABLE)
    item = {{"pk": event["id"], "step": "{step}", "payload": json.dumps(event)}}
    table.put_item(Item=item)
    return {{"status": "OK", "id": event["id"], "step": "{step}"}}
'''

LAMBDA_CODE_JS = '''const {{ DynamoDBClient, PutItemCommand }} = require("@aws-sdk/client-dynamodb");
const client = new DynamoDBClient({{}});

// {doc}
exports.handler = async (event) => {{
  await client.send(new PutItemCommand({{
    TableName: process.env.TABLE_NAME,
    Item: {{ pk: {{ S: event.id }}, step: {{ S: "{step}" }} }},
  }}));
  return {{ status: "OK", id: event.id, step: "{step}" }};
}};
'''


def observability(props: dict, logging_key: str, tracing_key: str, logging: str | None, tracing: bool, log_group: str,
                  rng: random.Random) -> None:
    """A state machine's logging and tracing properties, under SAM's or CloudFormation's names."""
    if logging:
        props[logging_key] = {"Level": logging, "IncludeExecutionData": rng.random() < 0.5,
                              "Destinations": [{"CloudWatchLogsLogGroup": {"LogGroupArn": GetAtt(log_group, "Arn")}}]}
    if tracing:
        props[tracing_key] = {"Enabled": True}


def trust(service: str, rng: random.Random, conditioned: bool) -> dict:
    st: dict = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if conditioned:
        st["Condition"] = {"StringEquals": {"aws:SourceAccount": Ref("AWS::AccountId")}}
    return {"Version": "2012-10-17", "Statement": [st]}


class Stack:
    """The resources of one template, added one unit at a time, each written once."""

    def __init__(self, rng: random.Random, index: int, fmt: str, sam: bool):
        self.rng, self.index, self.fmt, self.sam = rng, index, fmt, sam
        self.app = f"{rng.choice(WORDS)}-{index:05d}"
        self.parts: list[str] = []  # serialized resources
        self.size = 0
        self.machines = 0
        self.outputs: dict = {}

    def add(self, logical: str, resource: dict) -> None:
        if self.fmt == "json":
            body = json.dumps(to_json_value(resource), indent=2)
            text = f'    "{logical}": ' + body.replace("\n", "\n    ")
        else:
            out: list[str] = []
            yaml_block(resource, 2, out, f"  {logical}:")
            text = "\n".join(out)
        self.parts.append(text)
        self.size += len(text) + 2

    def base(self) -> None:
        rng = self.rng
        self.add("Table", {
            "Type": "AWS::DynamoDB::Table",
            "Properties": {
                "TableName": Sub(f"{self.app}-${{Stage}}"),
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
                "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": rng.random() < 0.7},
                "SSESpecification": {"SSEEnabled": True},
            },
        })
        self.add("DeadLetterQueue", {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": 1209600, "SqsManagedSseEnabled": True}})
        self.add("WorkQueue", {
            "Type": "AWS::SQS::Queue",
            "Properties": {
                "VisibilityTimeout": 180,
                "SqsManagedSseEnabled": True,
                "RedrivePolicy": {"deadLetterTargetArn": GetAtt("DeadLetterQueue", "Arn"), "maxReceiveCount": 5},
            },
        })
        if not self.sam:
            self.add("FunctionRole", {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": trust("lambda.amazonaws.com", rng, False),
                    "ManagedPolicyArns": [Sub("arn:${AWS::Partition}:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")],
                    "Policies": [{
                        "PolicyName": "table-access",
                        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                            "Effect": "Allow",
                            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"],
                            "Resource": [GetAtt("Table", "Arn"), Sub("${Table.Arn}/index/*")],
                        }]},
                    }],
                },
            })

    def function(self, logical: str, step: str) -> None:
        rng = self.rng
        runtime = rng.choice(RUNTIMES)
        code = (LAMBDA_CODE_PY if runtime.startswith("python") else LAMBDA_CODE_JS).format(
            doc=f"{step} step of the {self.app} workflow.", step=step)
        handler = "index.handler"
        env = {"Variables": {"TABLE_NAME": Ref("Table"), "QUEUE_URL": Ref("WorkQueue"), "STAGE": Ref("Stage")}}
        if self.sam:
            props: dict = {
                "Handler": handler, "Runtime": runtime, "InlineCode": Block(code) if self.fmt == "yaml" else code,
                "Timeout": rng.choice([10, 30, 60]), "MemorySize": rng.choice([128, 256, 512, 1024]),
                "Environment": env,
                "Policies": [{"DynamoDBCrudPolicy": {"TableName": Ref("Table")}}],
            }
            if rng.random() < 0.5:
                props["Tracing"] = "Active"
            self.add(logical, {"Type": "AWS::Serverless::Function", "Properties": props})
        else:
            props = {
                "Handler": handler, "Runtime": runtime, "Role": GetAtt("FunctionRole", "Arn"),
                "Code": {"ZipFile": Block(code) if self.fmt == "yaml" else code},
                "Timeout": rng.choice([10, 30, 60]), "MemorySize": rng.choice([128, 256, 512, 1024]),
                "Environment": env,
            }
            if rng.random() < 0.5:
                props["TracingConfig"] = {"Mode": "Active"}
            if rng.random() < 0.3:
                props["ReservedConcurrentExecutions"] = rng.choice([5, 10, 50])
            self.add(logical, {"Type": "AWS::Lambda::Function", "Properties": props})

    def machine(self, n_states: int, k: int) -> None:
        """A state machine calling k functions, with its functions, log group, role
        (CloudFormation) and maybe an alarm."""
        rng = self.rng
        m = self.machines
        self.machines += 1
        prefix = f"Sm{m}" if m else ""
        steps = rng.sample(STEPS, k)
        fns = [Fn(f"{prefix}{s}Function", s) for s in steps]
        for fn in fns:
            self.function(fn.logical, fn.step)
        logical = f"{prefix or 'Main'}StateMachine"
        express = rng.random() < 0.2
        log_group = f"{prefix}StateMachineLogs"
        prefix_ok = rng.random() < 0.8
        self.add(log_group, {
            "Type": "AWS::Logs::LogGroup",
            "Properties": {
                "LogGroupName": Sub(("/aws/vendedlogs/states/" if prefix_ok else "/aws/states/") + f"{self.app}-{m}-${{Stage}}"),
                "RetentionInDays": rng.choice([7, 14, 30, 90]),
            },
        })
        logging = rng.choices(["ERROR", "ALL", "OFF", None], [45, 15, 10, 30])[0]
        tracing = rng.random() < 0.5
        wildcard = rng.random() < 0.25
        use_sam_machine = self.sam and rng.random() < 0.8
        if use_sam_machine:
            subs = {f"{fn.step}FunctionArn": GetAtt(fn.logical, "Arn") for fn in fns}
            subs["TableName"] = Ref("Table")
            subs["QueueUrl"] = Ref("WorkQueue")
            d = definition(rng, fns, lambda fn: f"${{{fn.step}FunctionArn}}", "${TableName}", "${QueueUrl}", n_states, express)
            used = json.dumps(d)
            subs = {k: v for k, v in subs.items() if "${" + k + "}" in used}
            props: dict = {"Name": Sub(f"{self.app}-{m}-${{Stage}}"), "Type": "EXPRESS" if express else "STANDARD",
                           "Definition": d, "DefinitionSubstitutions": subs}
            if wildcard:
                props["Policies"] = [{"Statement": [{"Effect": "Allow", "Action": rng.choice(["lambda:*", "*", ["lambda:*", "dynamodb:*"]]), "Resource": "*"}]}]
            else:
                pol: list = [{"LambdaInvokePolicy": {"FunctionName": Ref(fn.logical)}} for fn in fns]
                pol.append({"DynamoDBWritePolicy": {"TableName": Ref("Table")}})
                pol.append({"SQSSendMessagePolicy": {"QueueName": GetAtt("WorkQueue", "QueueName")}})
                if logging in ("ERROR", "ALL"):
                    pol.append("CloudWatchLogsFullAccess" if rng.random() < 0.3 else {"Statement": [{
                        "Effect": "Allow", "Action": list(LOG_DELIVERY_ACTIONS), "Resource": "*"}]})
                if tracing:
                    pol.append("AWSXrayWriteOnlyAccess")
                props["Policies"] = pol
            observability(props, "Logging", "Tracing", logging, tracing, log_group, rng)
            self.add(logical, {"Type": "AWS::Serverless::StateMachine", "Properties": props})
        else:
            role = f"{prefix}StateMachineRole"
            d = definition(rng, fns, lambda fn: f"${{{fn.logical}.Arn}}", "${Table}", "${WorkQueue}", n_states, express)
            if wildcard:
                statements = [{"Effect": "Allow", "Action": rng.choice(["lambda:*", "*", ["lambda:*", "states:*"]]), "Resource": "*"}]
            else:
                statements = [
                    {"Effect": "Allow", "Action": "lambda:InvokeFunction",
                     "Resource": [GetAtt(fn.logical, "Arn") for fn in fns] + [Sub(f"${{{fn.logical}.Arn}}:*") for fn in fns]},
                    {"Effect": "Allow", "Action": ["dynamodb:PutItem"], "Resource": GetAtt("Table", "Arn")},
                    {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": GetAtt("WorkQueue", "Arn")},
                ]
                if logging in ("ERROR", "ALL"):
                    statements.append({"Effect": "Allow", "Action": list(LOG_DELIVERY_ACTIONS), "Resource": "*"})
                if tracing:
                    statements.append({"Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"})
            self.add(role, {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "AssumeRolePolicyDocument": trust("states.amazonaws.com", rng, rng.random() < 0.6),
                    "Policies": [{"PolicyName": "workflow", "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}],
                },
            })
            text = json.dumps(d, indent=2 if self.fmt == "yaml" or rng.random() < 0.5 else None)
            props = {"StateMachineName": Sub(f"{self.app}-{m}-${{Stage}}"), "StateMachineType": "EXPRESS" if express else "STANDARD",
                     "RoleArn": GetAtt(role, "Arn"), "DefinitionString": Sub(text)}
            observability(props, "LoggingConfiguration", "TracingConfiguration", logging, tracing, log_group, rng)
            self.add(logical, {"Type": "AWS::StepFunctions::StateMachine", "Properties": props})
        if rng.random() < 0.5:
            self.add(f"{prefix}FailedExecutionsAlarm", {
                "Type": "AWS::CloudWatch::Alarm",
                "Properties": {
                    "AlarmDescription": Sub(f"Failed executions of {self.app} state machine {m} (${{Stage}})"),
                    "Namespace": "AWS/States", "MetricName": "ExecutionsFailed", "Statistic": "Sum",
                    "Period": 300, "EvaluationPeriods": 1, "Threshold": 1, "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                    "TreatMissingData": "notBreaching",
                    "Dimensions": [{"Name": "StateMachineArn", "Value": Ref(logical)}],
                },
            })
        self.outputs[f"{logical}Arn"] = {"Description": f"ARN of state machine {m}", "Value": Ref(logical)}

    def text(self) -> str:
        desc = f"{self.app}: {self.machines} workflow(s) with their functions, table and queues"
        params = {"Stage": {"Type": "String", "Default": "dev", "AllowedValues": ["dev", "staging", "prod"]}}
        if self.fmt == "json":
            head = {"AWSTemplateFormatVersion": "2010-09-09"}
            if self.sam:
                head["Transform"] = "AWS::Serverless-2016-10-31"
            head["Description"] = desc
            head["Parameters"] = params
            top = json.dumps(head, indent=2)[:-2]  # without the closing brace
            tail = json.dumps({"Outputs": to_json_value(self.outputs)}, indent=2)[1:]
            return top + ',\n  "Resources": {\n' + ",\n".join(self.parts) + "\n  },\n" + tail.lstrip("\n") + "\n"
        out: list[str] = ['AWSTemplateFormatVersion: "2010-09-09"']
        if self.sam:
            out.append("Transform: AWS::Serverless-2016-10-31")
        out.append(f"Description: {json.dumps(desc)}")
        out.append("")
        yaml_block(params, 0, out, "Parameters:")
        out.append("")
        out.append("Resources:")
        body = "\n".join(out) + "\n" + "\n\n".join(self.parts) + "\n\n"
        tail: list[str] = []
        yaml_block(self.outputs, 0, tail, "Outputs:")
        return body + "\n".join(tail) + "\n"


def template(rng: random.Random, index: int, fmt: str, target: int) -> str:
    sam = rng.random() < (0.6 if fmt == "yaml" else 0.3)
    s = Stack(rng, index, fmt, sam)
    s.base()
    # A machine's functions and states are sized to what is left of the target (a state is
    # about 650 bytes, a function 1 KB, the rest of a machine 2.5 KB); another machine while
    # more than 8 KB are left.
    per_state = 650 if fmt == "json" else 600
    while True:
        left = target - s.size
        k = 1 if left < 9000 else 2 if left < 14000 else rng.randint(2, 4)
        n = max(3, min(40, (left - 2500 - 1000 * k) // per_state))
        if left > 30000:  # room for more machines: split it
            n = rng.randint(8, 20)
        s.machine(n, k)
        if target - s.size < 8000 or s.machines >= 5:
            break
    return s.text()


# --------------------------------------------------------------------------------------------
# Terraform plan (terraform show -json)
# --------------------------------------------------------------------------------------------

PROVIDER = "registry.terraform.io/hashicorp/aws"


def tf_definition(rng: random.Random, app: str, steps: list[str], n: int, express: bool) -> str:
    fns = [Fn(s, s) for s in steps]
    d = definition(rng, fns, lambda fn: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{app}-{fn.step.lower()}",
                   f"{app}-table", f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{app}-work", n, express)
    return json.dumps(d)  # jsonencode writes it compact


def plan_group(rng: random.Random, g: int) -> tuple[list, list, list]:
    """One application's resources: (planned_values resources, resource_changes, configuration resources)."""
    app = f"{rng.choice(WORDS)}-{g:05d}"
    key = app.replace("-", "_")
    planned: list = []
    changes: list = []
    config: list = []

    def resource(rtype: str, name: str, values: dict, unknown: dict, expressions: dict) -> None:
        address = f"{rtype}.{name}"
        planned.append({"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER,
                        "schema_version": 0, "values": values, "sensitive_values": {k: ([] if isinstance(v, list) else {}) for k, v in values.items() if isinstance(v, (list, dict)) and k != "tags"}})
        changes.append({"address": address, "mode": "managed", "type": rtype, "name": name, "provider_name": PROVIDER,
                        "change": {"actions": ["create"], "before": None, "after": values, "after_unknown": unknown,
                                   "before_sensitive": False, "after_sensitive": {}}})
        config.append({"address": address, "mode": "managed", "type": rtype, "name": name, "provider_config_key": "aws",
                       "expressions": expressions, "schema_version": 0})

    tags = {"app": app, "team": rng.choice(["core", "platform", "data", "growth"]), "env": "prod"}
    # S3 bucket, queue, table
    resource("aws_s3_bucket", key, {"bucket": f"{app}-artifacts", "force_destroy": False, "tags": tags, "tags_all": tags, "timeouts": None},
             {"arn": True, "id": True, "region": True, "bucket_domain_name": True, "versioning": True, "tags": {}, "tags_all": {}},
             {"bucket": {"constant_value": f"{app}-artifacts"}, "tags": {"references": ["local.tags"]}})
    resource("aws_sqs_queue", f"{key}_work", {"name": f"{app}-work", "visibility_timeout_seconds": 180, "message_retention_seconds": 345600,
                                               "sqs_managed_sse_enabled": True, "fifo_queue": False, "delay_seconds": 0, "tags": tags, "tags_all": tags},
             {"arn": True, "id": True, "url": True, "policy": True, "redrive_policy": True},
             {"name": {"constant_value": f"{app}-work"}, "visibility_timeout_seconds": {"constant_value": 180}})
    resource("aws_dynamodb_table", f"{key}", {"name": f"{app}-table", "billing_mode": "PAY_PER_REQUEST", "hash_key": "pk", "range_key": "sk",
                                               "attribute": [{"name": "pk", "type": "S"}, {"name": "sk", "type": "S"}],
                                               "point_in_time_recovery": [{"enabled": rng.random() < 0.7}],
                                               "server_side_encryption": [], "ttl": [], "tags": tags, "tags_all": tags},
             {"arn": True, "id": True, "stream_arn": True, "attribute": [{}, {}], "point_in_time_recovery": [{}]},
             {"name": {"constant_value": f"{app}-table"}, "billing_mode": {"constant_value": "PAY_PER_REQUEST"}})
    # Lambda functions and their role
    steps = rng.sample(STEPS, rng.randint(2, 4))
    resource("aws_iam_role", f"{key}_lambda", {
        "name": f"{app}-lambda", "path": "/", "max_session_duration": 3600, "force_detach_policies": False,
        "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}),
        "description": None, "permissions_boundary": None, "tags": tags, "tags_all": tags},
        {"arn": True, "id": True, "unique_id": True, "create_date": True, "inline_policy": True, "managed_policy_arns": True},
        {"name": {"constant_value": f"{app}-lambda"}, "assume_role_policy": {"references": ["data.aws_iam_policy_document.lambda_assume.json", "data.aws_iam_policy_document.lambda_assume"]}})
    for s in steps:
        runtime = rng.choice(RUNTIMES)
        resource("aws_lambda_function", f"{key}_{s.lower()}", {
            "function_name": f"{app}-{s.lower()}", "handler": "index.handler", "runtime": runtime,
            "filename": f"build/{s.lower()}.zip", "memory_size": rng.choice([128, 256, 512]), "timeout": rng.choice([10, 30, 60]),
            "publish": False, "package_type": "Zip", "architectures": ["arm64"], "reserved_concurrent_executions": -1,
            "environment": [{"variables": {"TABLE_NAME": f"{app}-table", "STAGE": "prod"}}],
            "tracing_config": [{"mode": rng.choice(["Active", "PassThrough"])}],
            "dead_letter_config": [], "vpc_config": [], "layers": None, "tags": tags, "tags_all": tags},
            {"arn": True, "id": True, "invoke_arn": True, "qualified_arn": True, "role": True, "version": True, "source_code_hash": True},
            {"function_name": {"references": ["local.prefix"]}, "role": {"references": [f"aws_iam_role.{key}_lambda.arn", f"aws_iam_role.{key}_lambda"]},
             "handler": {"constant_value": "index.handler"}, "runtime": {"constant_value": runtime}})
    # State machine, its role, policy and log group
    express = rng.random() < 0.2
    logging = rng.choices(["ERROR", "ALL", "OFF", None], [45, 15, 10, 30])[0]
    tracing = rng.random() < 0.5
    wildcard = rng.random() < 0.25
    conditioned = rng.random() < 0.6
    st: dict = {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
    if conditioned:
        st["Condition"] = {"StringEquals": {"aws:SourceAccount": ACCOUNT}}
    resource("aws_iam_role", f"{key}_sfn", {
        "name": f"{app}-sfn", "path": "/", "max_session_duration": 3600, "force_detach_policies": False,
        "assume_role_policy": json.dumps({"Version": "2012-10-17", "Statement": [st]}),
        "description": None, "permissions_boundary": None, "tags": tags, "tags_all": tags},
        {"arn": True, "id": True, "unique_id": True, "create_date": True, "inline_policy": True, "managed_policy_arns": True},
        {"name": {"constant_value": f"{app}-sfn"}, "assume_role_policy": {"references": ["data.aws_iam_policy_document.sfn_assume.json"]}})
    fn_arns = [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{app}-{s.lower()}" for s in steps]
    if wildcard:
        statements = [{"Effect": "Allow", "Action": rng.choice(["lambda:*", "*", ["lambda:*", "dynamodb:*"]]), "Resource": "*"}]
    else:
        statements = [
            {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": fn_arns + [a + ":*" for a in fn_arns]},
            {"Effect": "Allow", "Action": "dynamodb:PutItem", "Resource": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{app}-table"},
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:{REGION}:{ACCOUNT}:{app}-work"},
        ]
        if logging in ("ERROR", "ALL"):
            statements.append({"Effect": "Allow", "Action": list(LOG_DELIVERY_ACTIONS), "Resource": "*"})
        if tracing:
            statements.append({"Effect": "Allow", "Action": list(XRAY_ACTIONS), "Resource": "*"})
    resource("aws_iam_role_policy", f"{key}_sfn", {
        "name": "workflow", "name_prefix": None, "policy": json.dumps({"Version": "2012-10-17", "Statement": statements})},
        {"id": True, "role": True},
        {"name": {"constant_value": "workflow"}, "role": {"references": [f"aws_iam_role.{key}_sfn.id", f"aws_iam_role.{key}_sfn"]},
         "policy": {"references": ["data.aws_iam_policy_document.sfn.json", "data.aws_iam_policy_document.sfn"]}})
    prefix_ok = rng.random() < 0.8
    resource("aws_cloudwatch_log_group", f"{key}_sfn", {
        "name": ("/aws/vendedlogs/states/" if prefix_ok else "/aws/states/") + app, "retention_in_days": rng.choice([7, 14, 30]),
        "kms_key_id": None, "skip_destroy": False, "log_group_class": "STANDARD", "tags": tags, "tags_all": tags},
        {"arn": True, "id": True},
        {"name": {"constant_value": ("/aws/vendedlogs/states/" if prefix_ok else "/aws/states/") + app}})
    unknown_def = rng.random() < 0.05
    values: dict = {"name": f"{app}-workflow", "type": "EXPRESS" if express else "STANDARD", "publish": False, "tags": tags, "tags_all": tags,
                    "encryption_configuration": []}
    unknown: dict = {"arn": True, "id": True, "role_arn": True, "creation_date": True, "status": True, "revision_id": True,
                     "state_machine_version_arn": True, "version_description": True}
    expressions: dict = {"name": {"references": ["local.prefix"]},
                         "role_arn": {"references": [f"aws_iam_role.{key}_sfn.arn", f"aws_iam_role.{key}_sfn"]},
                         "type": {"constant_value": values["type"]}}
    if unknown_def:
        unknown["definition"] = True
        expressions["definition"] = {"references": [f"aws_lambda_function.{key}_{steps[0].lower()}.arn", f"aws_lambda_function.{key}_{steps[0].lower()}"]}
    else:
        values["definition"] = tf_definition(rng, app, steps, rng.randint(4, 30), express)
        expressions["definition"] = {"references": ["local.prefix", "aws_dynamodb_table." + key + ".name"]}
    if logging:
        values["logging_configuration"] = [{"include_execution_data": rng.random() < 0.5, "level": logging}]
        unknown["logging_configuration"] = [{"log_destination": True}]
        expressions["logging_configuration"] = [{"level": {"constant_value": logging},
                                                 "log_destination": {"references": [f"aws_cloudwatch_log_group.{key}_sfn.arn", f"aws_cloudwatch_log_group.{key}_sfn"]}}]
    else:
        values["logging_configuration"] = []
    values["tracing_configuration"] = [{"enabled": tracing}] if tracing or rng.random() < 0.5 else []
    resource("aws_sfn_state_machine", key, values, unknown, expressions)
    return planned, changes, config


def plan(rng: random.Random, target: int) -> str:
    dumps = lambda v: json.dumps(v, separators=(",", ":"))  # noqa: E731
    planned: list[str] = []
    changes: list[str] = []
    config: list[str] = []
    size = 0
    g = 0
    while size < target - 2000:
        p, c, k = plan_group(rng, g)
        g += 1
        for lst, items in ((planned, p), (changes, c), (config, k)):
            for item in items:
                t = dumps(item)
                lst.append(t)
                size += len(t) + 1
    head = '{"format_version":"1.2","terraform_version":"1.9.8","variables":{"prefix":{"value":"prod"}},'
    config_head = ('"configuration":{"provider_config":{"aws":{"name":"aws","full_name":"%s","version_constraint":"~> 5.0",'
                   '"expressions":{"region":{"constant_value":"%s"}}}},"root_module":{"resources":[' % (PROVIDER, REGION))
    return (head + '"planned_values":{"root_module":{"resources":[' + ",".join(planned) + "]}},"
            + '"resource_changes":[' + ",".join(changes) + "],"
            + config_head + ",".join(config) + '],"variables":{"prefix":{"default":"prod"}}}},'
            + '"timestamp":"2026-01-15T10:00:00Z","applyable":true,"complete":true,"errored":false}')


# --------------------------------------------------------------------------------------------


def generate(out: Path, templates: int, template_kb: float, plan_mb: float, seed: int) -> dict:
    rng = random.Random(seed)
    sizes = {"json": 0, "yaml": 0, "plan": 0}
    counts = {"json": 0, "yaml": 0, "plan": 0}
    for sub in ("json", "yaml", "plan"):
        d = out / sub
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            if old.is_file():
                old.unlink()
    total_target = templates * template_kb * 1000
    written = 0
    for i in range(templates):
        fmt = "json" if rng.random() < 0.5 else "yaml"
        left = templates - i
        mean = max(2000.0, (total_target - written) / left)
        target = int(mean * rng.uniform(0.5, 1.5))
        text = template(rng, i, fmt, target)
        name = f"stack-{i:05d}.template.json" if fmt == "json" else f"stack-{i:05d}.yaml"
        data = text.encode()
        (out / fmt / name).write_bytes(data)
        sizes[fmt] += len(data)
        counts[fmt] += 1
        written += len(data)
    if plan_mb > 0:
        data = plan(random.Random(seed * 7919 + 1), int(plan_mb * MB)).encode()
        (out / "plan" / "plan.json").write_bytes(data)
        sizes["plan"] = len(data)
        counts["plan"] = 1
    return {"sizes": sizes, "counts": counts}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="output directory (json/, yaml/ and plan/ are written inside)")
    ap.add_argument("--templates", type=int, default=10_000, help="number of templates (default 10000)")
    ap.add_argument("--template-kb", type=float, default=10.0, help="mean template size in KB (default 10)")
    ap.add_argument("--plan-mb", type=float, default=50.0, help="size of the Terraform plan in MB (default 50; 0: none)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--quiet", action="store_true", help="no summary line")
    args = ap.parse_args()
    t0 = time.perf_counter()
    r = generate(args.out, args.templates, args.template_kb, args.plan_mb, args.seed)
    s, c = r["sizes"], r["counts"]
    if not args.quiet:
        files = c["json"] + c["yaml"] + c["plan"]
        print(f"{files} files ({c['json']} JSON, {c['yaml']} YAML, {c['plan']} plan) in {args.out}: "
              f"total {sum(s.values()) / MB:.1f} MB, JSON {s['json'] / MB:.1f} MB, YAML {s['yaml'] / MB:.1f} MB, "
              f"plan {s['plan'] / MB:.1f} MB, {time.perf_counter() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
