#!/usr/bin/env python3
"""moto_server that EXECUTES Step Functions state machines, for the tests of Depot's state machines.

moto's own server, with three settings a plain `moto_server` cannot take on its command line:
- Step Functions runs each execution with moto's ASL interpreter (LocalStack's), whose service
  integrations call this same server (MOTO_PORT is this server's port): `events:putEvents`
  reaches moto's EventBridge, `states:startExecution` starts another execution here.
- Batch and Lambda run without Docker (moto's "simple" backends).
- Mocked service integrations, in LocalStack's SFN_MOCK_CONFIG format: moto 5.2.1 ships the
  interpreter's mocking but its loader always answers "no mock". Here a test POSTs a mock
  configuration ({"StateMachines": {NAME: {"TestCases": {CASE: {STATE: RESPONSE}}}},
  "MockedResponses": {RESPONSE: {"0": {"Return": ...} | {"Throw": {"Error", "Cause"}}}}}) to
  /_depot/sfn-mock-config; configurations are merged (tests use their own state machine and
  response names). Every execution of a state machine named there runs with its first test case:
  the states it lists answer as configured, every other state calls the service.
- A mocked `Throw` and a Fail state may name the interpreter's own errors (`States.TaskFailed`,
  `States.Timeout`): what Step Functions reports for a failed or timed-out Batch job, and what a
  Fail state passes on. The interpreter takes any error there as a custom name, which must not
  begin with `States.`, and fails the execution with States.Runtime instead.
- Starting an execution copies its state machine (copy.deepcopy), and moto's state machine holds
  its whole backend: once any execution has run, its worker's lock makes the copy fail (500 on
  every StartExecution). The copy here shares the backend and the list of executions.
- The `states:startExecution` integration passes its parameters as the state machine names them
  (`StateMachineArn`, `Input`, `Name`); moto's interpreter does not rename them to the API's
  members (`stateMachineArn`, ...) as LocalStack's does, and the call fails. Renamed here.

Usage: moto-sfn-server.py PORT   (scripts/ensure-moto-sfn.sh starts it)
"""
import copy
import json
import os
import sys
import threading

port = int(sys.argv[1]) if len(sys.argv) > 1 else 5057
# The interpreter's service calls go to http://localhost:$MOTO_PORT: this server.
os.environ["MOTO_PORT"] = str(port)

from moto.core.config import default_user_config  # noqa: E402
from moto.moto_server.werkzeug_app import (  # noqa: E402
    DomainDispatcherApplication,
    create_backend_app,
)
from moto.stepfunctions.parser.backend import execution_worker  # noqa: E402
from moto.stepfunctions.parser.mocking.mock_config import (  # noqa: E402
    MockedResponseReturn,
    MockedResponseThrow,
    MockTestCase,
    StateMockedResponses,
)
from moto.stepfunctions.parser.asl.component.common.error_name.custom_error_name import (  # noqa: E402
    CustomErrorName,
)
from moto.stepfunctions.parser.asl.component.common.error_name.states_error_name import (  # noqa: E402
    StatesErrorName,
)
from moto.stepfunctions.parser.asl.component.state.exec.state_task import mock_eval_utils  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.fail import state_fail  # noqa: E402
import botocore.session  # noqa: E402
from botocore import xform_name  # noqa: E402
from moto.stepfunctions.models import StateMachine  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_sfn,
)
from werkzeug.serving import run_simple  # noqa: E402
from werkzeug.wrappers import Request, Response  # noqa: E402

default_user_config["stepfunctions"] = {"execute_state_machine": True}
default_user_config["batch"] = {"use_docker": False}
default_user_config["lambda"] = {"use_docker": False}



def _error_name(name):
    """States.* names as the interpreter's own errors, any other as a custom one."""
    if name is not None and name.startswith("States."):
        try:
            return StatesErrorName.from_name(name)
        except Exception:
            pass
    return CustomErrorName(name)


def _copy_sharing_backend(self, memo):
    clone = self.__class__.__new__(self.__class__)
    memo[id(self)] = clone
    for key, value in self.__dict__.items():
        shared = key in ("backend", "executions")
        setattr(clone, key, value if shared else copy.deepcopy(value, memo))
    return clone


StateMachine.__deepcopy__ = _copy_sharing_backend

_sfn_model = botocore.session.get_session().get_service_model("stepfunctions")
_sfn_operations = {xform_name(name): name for name in _sfn_model.operation_names}
_original_sfn_normalise = state_task_service_sfn.StateTaskServiceSfn._normalise_parameters


def _sfn_normalise(self, parameters, boto_service_name=None, service_action_name=None):
    _original_sfn_normalise(self, parameters, boto_service_name, service_action_name)
    if service_action_name is None:
        operation = _sfn_operations.get(self._get_boto_service_action())
        if operation:
            self._to_boto_request(parameters, _sfn_model.operation_model(operation).input_shape)


state_task_service_sfn.StateTaskServiceSfn._normalise_parameters = _sfn_normalise
mock_eval_utils.CustomErrorName = _error_name
state_fail.CustomErrorName = _error_name

_lock = threading.Lock()
_config = {"StateMachines": {}, "MockedResponses": {}}


def _responses(name):
    ranges = _config["MockedResponses"].get(name)
    if not ranges:
        raise RuntimeError(f"no mocked response {name!r} in the mock configuration")
    out = []
    for key, response in ranges.items():
        start, _, end = key.partition("-")
        start, end = int(start), int(end or start)
        if "Return" in response:
            out.append(MockedResponseReturn(start, end, response["Return"]))
        else:
            throw = response["Throw"]
            out.append(MockedResponseThrow(start, end, throw["Error"], throw.get("Cause", "")))
    return out


def _test_case_for(state_machine_name):
    with _lock:
        machine = _config["StateMachines"].get(state_machine_name)
        if not machine or not machine.get("TestCases"):
            return None
        case_name, states = next(iter(machine["TestCases"].items()))
        return MockTestCase(
            state_machine_name,
            case_name,
            [StateMockedResponses(state, response, _responses(response)) for state, response in states.items()],
        )


_original_init = execution_worker.ExecutionWorker.__init__


def _init_with_mocks(self, evaluation_details, *args, **kwargs):
    if kwargs.get("mock_test_case") is None:
        kwargs["mock_test_case"] = _test_case_for(evaluation_details.state_machine_details.name)
    _original_init(self, evaluation_details, *args, **kwargs)


execution_worker.ExecutionWorker.__init__ = _init_with_mocks

moto_app = DomainDispatcherApplication(create_backend_app)


def app(environ, start_response):
    if environ.get("PATH_INFO") == "/_depot/sfn-mock-config":
        request = Request(environ)
        if request.method != "POST":
            return Response("POST a mock configuration", status=405)(environ, start_response)
        try:
            config = json.loads(request.get_data(as_text=True))
            with _lock:
                for key in ("StateMachines", "MockedResponses"):
                    _config[key].update(config.get(key, {}))
            for name in config.get("StateMachines", {}):
                _test_case_for(name)  # a malformed configuration is refused now, not at run time
        except Exception as e:  # the test sees why
            return Response(f"invalid mock configuration: {e}", status=400)(environ, start_response)
        return Response("{}", content_type="application/json")(environ, start_response)
    return moto_app(environ, start_response)


if __name__ == "__main__":
    run_simple("127.0.0.1", port, app, threaded=True)
