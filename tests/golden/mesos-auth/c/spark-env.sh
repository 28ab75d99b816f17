# spark-env.sh for c in cluster mesosauth.
# Written by sparkctl from templates/spark-env.sh.tera: edit the inventory, not this file.
export SPARK_LOCAL_HOSTNAME=10.0.0.3
export SPARK_IDENT_STRING=sparkctl
export SPARK_LOG_DIR=/opt/spark/logs
export SPARK_PID_DIR=/opt/spark/run
export SPARK_DAEMON_MEMORY=1g

# Worker
export SPARK_WORKER_DIR=/opt/spark/work
export SPARK_WORKER_WEBUI_PORT=8081

